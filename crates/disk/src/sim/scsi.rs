//! A simulated SAS disk ([`SimSasDisk`]) answering raw SCSI CDBs, plus the sense-data builders
//! the ATA model (behind SAT) shares with it. The erase both run is [`super::erase`].
//!
//! The model decodes every CDB itself from the SPC-4 / SBC-4 byte layouts (opcode, service
//! action, IMMED/AUSE bits, PARAMETER LIST LENGTH, the OVERWRITE parameter list...) and never
//! calls [`crate::scsi`]: an encoder bug gets ILLEGAL REQUEST, as from a real drive.
//!
//! Behaviour during and after SANITIZE (SBC-4, Seagate SCSI Commands Reference Manual §3.41,
//! T10 reflector thread "SBC-4 wording on SANITIZE command behavior", January 2015):
//! - while the operation runs, TEST UNIT READY and media commands get NOT READY, LOGICAL UNIT
//!   NOT READY, SANITIZE IN PROGRESS (04/1B) with progress in the sense-key-specific field;
//!   REQUEST SENSE returns that sense data with GOOD status; INQUIRY and REPORT SUPPORTED
//!   OPERATION CODES are served.
//! - after a failure, media commands get MEDIUM ERROR, SANITIZE COMMAND FAILED (31/03) until a
//!   new sanitize succeeds or, if the failed command had AUSE=1, EXIT FAILURE MODE is sent. An
//!   EXIT FAILURE MODE after a restricted (AUSE=0) failure, and a new request with AUSE=1 after
//!   one, get ILLEGAL REQUEST, INVALID FIELD IN CDB.
//!
//! Model choices where the sources read are silent: EXIT FAILURE MODE outside the failed state
//! is refused (24/00); the last of an even number of inverted OVERWRITE passes is inverted.

use std::sync::Arc;
use std::time::Duration;

use nix::errno::Errno;
use serde::{Deserialize, Serialize};

use super::media::SimMedia;
use super::now_unix_ms;
use crate::transport::{DataDir, ScsiReply, ScsiTransport, TransportError};

// ---------------------------------------------------------------------------------------------
// Shared by the device models
// ---------------------------------------------------------------------------------------------

pub(crate) use super::erase::{
    background_progress, count_poll_until_done, erase_with_knobs, EraseResult, Fill,
};
pub use super::erase::{EraseKnobs, EraseStride};

pub(crate) fn gone() -> TransportError {
    TransportError::DeviceGone {
        op: "simulated device",
        errno: Errno::ENODEV,
    }
}

/// Sense key values (SPC-4).
pub(crate) mod key {
    pub const NO_SENSE: u8 = 0x0;
    pub const RECOVERED_ERROR: u8 = 0x1;
    pub const NOT_READY: u8 = 0x2;
    pub const MEDIUM_ERROR: u8 = 0x3;
    pub const ILLEGAL_REQUEST: u8 = 0x5;
    pub const ABORTED_COMMAND: u8 = 0xb;
}

/// Fixed-format sense (response code 70h, additional length 0Ah, 18 bytes).
pub(crate) fn fixed_sense(key: u8, asc: u8, ascq: u8, sks: Option<[u8; 3]>) -> Vec<u8> {
    let mut s = vec![0u8; 18];
    s[0] = 0x70;
    s[2] = key;
    s[7] = 0x0a;
    s[12] = asc;
    s[13] = ascq;
    if let Some(k) = sks {
        s[15..18].copy_from_slice(&k);
    }
    s
}

/// Descriptor-format sense (response code 72h), with a sense-key-specific descriptor (02h) when
/// `sks` is given.
pub(crate) fn descriptor_sense(key: u8, asc: u8, ascq: u8, sks: Option<[u8; 3]>) -> Vec<u8> {
    let mut s = vec![0x72, key, asc, ascq, 0, 0, 0, 0];
    if let Some(k) = sks {
        s.extend_from_slice(&[0x02, 0x06, 0, 0, k[0], k[1], k[2], 0]);
    }
    s[7] = (s.len() - 8) as u8;
    s
}

/// Progress in the sense-key-specific field: SKSV + 16-bit numerator.
pub(crate) fn progress_sks(progress: u16) -> [u8; 3] {
    let [hi, lo] = progress.to_be_bytes();
    [0x80, hi, lo]
}

pub(crate) fn good() -> ScsiReply {
    ScsiReply::default()
}

pub(crate) fn check_condition(sense: Vec<u8>) -> ScsiReply {
    ScsiReply {
        status: 0x02,
        driver_status: 0x08,
        sense,
        ..Default::default()
    }
}

/// Copies a response into the data-in buffer, limited by the CDB's allocation length; the rest
/// of the buffer is residual.
pub(crate) fn data_in(data: DataDir<'_>, bytes: &[u8], allocation: usize) -> ScsiReply {
    match data {
        DataDir::FromDevice(buf) => {
            let n = buf.len().min(bytes.len()).min(allocation);
            buf[..n].copy_from_slice(&bytes[..n]);
            ScsiReply {
                resid: (buf.len() - n) as i32,
                ..good()
            }
        }
        _ => good(),
    }
}

/// Expected CDB length from the opcode's group code (SPC-4 §4.2.5.1).
pub(crate) fn cdb_length(opcode: u8) -> Option<usize> {
    match opcode >> 5 {
        0 => Some(6),
        1 | 2 => Some(10),
        4 => Some(16),
        5 => Some(12),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------
// SAS disk
// ---------------------------------------------------------------------------------------------

/// Which SANITIZE service actions the disk implements.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SasSanitizeSupport {
    /// SANITIZE OVERWRITE (service action 01h, SBC-4).
    pub overwrite: bool,
    /// SANITIZE BLOCK ERASE (service action 02h).
    pub block_erase: bool,
    /// SANITIZE CRYPTOGRAPHIC ERASE (service action 03h).
    pub crypto_erase: bool,
}

/// What the simulated SAS disk is (fixed for its life).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SasSimConfig {
    /// Standard INQUIRY T10 VENDOR IDENTIFICATION (bytes 8–15).
    pub vendor: String,
    /// Standard INQUIRY PRODUCT IDENTIFICATION (bytes 16–31).
    pub product: String,
    /// Standard INQUIRY PRODUCT REVISION LEVEL (bytes 32–35).
    pub revision: String,
    /// VPD page 80h, Unit Serial Number.
    pub serial: String,
    /// NAA designator (VPD 0x83), e.g. 0x5000_c500_1234_5678.
    pub naa: Option<u64>,
    /// `None`: SANITIZE is not implemented (ILLEGAL REQUEST, 20/00, like QEMU `scsi-hd`).
    pub sanitize: Option<SasSanitizeSupport>,
    /// Whether REPORT SUPPORTED OPERATION CODES is implemented.
    pub report_opcodes: bool,
    /// D_SENSE: CHECK CONDITION sense in descriptor format.
    pub descriptor_sense: bool,
    /// What BLOCK ERASE leaves (0x00 or 0xFF).
    pub block_erase_fill: u8,
    /// How the disk's SANITIZE misbehaves and how long it takes.
    pub knobs: EraseKnobs,
}

impl SasSimConfig {
    /// A SAS disk with every sanitize method.
    pub fn sas_hdd() -> Self {
        SasSimConfig {
            vendor: "SEAGATE".into(),
            product: "ST4000NM0025".into(),
            revision: "N004".into(),
            serial: "ZC11ABCD0000E7123456".into(),
            naa: Some(0x5000_c500_a1b2_c3d4),
            sanitize: Some(SasSanitizeSupport {
                overwrite: true,
                block_erase: true,
                crypto_erase: true,
            }),
            report_opcodes: true,
            descriptor_sense: false,
            block_erase_fill: 0x00,
            knobs: EraseKnobs::default(),
        }
    }

    /// A disk without SANITIZE (QEMU `scsi-hd`-like): 0x48 is an invalid opcode.
    pub fn without_sanitize() -> Self {
        SasSimConfig {
            vendor: "QEMU".into(),
            product: "QEMU HARDDISK".into(),
            revision: "2.5+".into(),
            serial: "QM00001".into(),
            naa: None,
            sanitize: None,
            report_opcodes: true,
            ..Self::sas_hdd()
        }
    }
}

/// A SANITIZE operation as the model remembers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SasSanitizeOp {
    /// OVERWRITE, with its parameter list.
    Overwrite {
        /// The initialization pattern, repeated from the start of every logical block.
        pattern: Vec<u8>,
        /// OVERWRITE COUNT, passes (1–31).
        count: u8,
        /// INVERT: the pattern is inverted between passes.
        invert: bool,
    },
    /// BLOCK ERASE: the medium reads as the disk's block-erase fill.
    BlockErase,
    /// CRYPTOGRAPHIC ERASE: the medium reads as random bytes.
    CryptoErase,
}

/// The sanitize state of the SAS disk.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum SasSanitizeState {
    /// No sanitize pending; the medium is accessible.
    #[default]
    Idle,
    /// A sanitize runs: media access gets NOT READY, 04h/1Bh (sanitize in progress) with the
    /// progress in the sense-key-specific bytes (SBC-4, SANITIZE).
    InProgress {
        /// The operation running.
        op: SasSanitizeOp,
        /// The AUSE bit of the SANITIZE that started it.
        ause: bool,
        /// Progress polls (TEST UNIT READY, REQUEST SENSE) answered so far.
        polls_done: u32,
        /// Wall-clock start, for knobs that time the operation.
        started_unix_ms: u64,
        /// Seed of the random bytes a cryptographic erase leaves.
        seed: u64,
    },
    /// The last sanitize failed: media access gets MEDIUM ERROR, 31h/03h (sanitize command
    /// failed) until a sanitize succeeds or EXIT FAILURE MODE is accepted.
    Failed {
        /// The AUSE bit of the command that started it: only then is EXIT FAILURE MODE
        /// accepted, and a new SANITIZE with AUSE set is refused without it.
        ause: bool,
    },
}

/// Mutable state of the SAS disk (persisted between processes by a later layer).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SasSimState {
    /// Where SANITIZE stands.
    pub sanitize: SasSanitizeState,
}

/// A simulated SAS disk over a [`SimMedia`].
#[derive(Debug)]
pub struct SimSasDisk {
    config: SasSimConfig,
    state: SasSimState,
    media: Arc<SimMedia>,
}

/// An answer before it is turned into a reply: sense data or success.
enum Answer {
    Good,
    Sense(u8, u8, u8, Option<[u8; 3]>),
}

impl SimSasDisk {
    /// A disk in the given state over media; host I/O is refused at once if a sanitize is pending.
    pub fn new(config: SasSimConfig, state: SasSimState, media: Arc<SimMedia>) -> Self {
        let d = SimSasDisk {
            config,
            state,
            media,
        };
        d.sync_media();
        d
    }

    /// What the disk is.
    pub fn config(&self) -> &SasSimConfig {
        &self.config
    }

    /// What the disk remembers now.
    pub fn state(&self) -> &SasSimState {
        &self.state
    }

    /// The medium behind the disk, shared with its block device.
    pub fn media(&self) -> &Arc<SimMedia> {
        &self.media
    }

    fn sync_media(&self) {
        self.media
            .refuse_host_io(!matches!(self.state.sanitize, SasSanitizeState::Idle));
    }

    fn sense(&self, key: u8, asc: u8, ascq: u8, sks: Option<[u8; 3]>) -> Vec<u8> {
        if self.config.descriptor_sense {
            descriptor_sense(key, asc, ascq, sks)
        } else {
            fixed_sense(key, asc, ascq, sks)
        }
    }

    fn reply(&self, a: Answer) -> ScsiReply {
        match a {
            Answer::Good => good(),
            Answer::Sense(k, asc, ascq, sks) => check_condition(self.sense(k, asc, ascq, sks)),
        }
    }

    fn invalid_field() -> Answer {
        Answer::Sense(key::ILLEGAL_REQUEST, 0x24, 0x00, None)
    }

    fn invalid_opcode() -> Answer {
        Answer::Sense(key::ILLEGAL_REQUEST, 0x20, 0x00, None)
    }

    /// The pending condition of the medium, if any: in progress (04/1B + progress) or failed.
    fn media_condition(&self) -> Option<Answer> {
        match &self.state.sanitize {
            SasSanitizeState::Idle => None,
            SasSanitizeState::InProgress {
                polls_done,
                started_unix_ms,
                ..
            } => {
                let p = background_progress(&self.config.knobs, *polls_done, *started_unix_ms)
                    .unwrap_or(0xffff);
                Some(Answer::Sense(
                    key::NOT_READY,
                    0x04,
                    0x1b,
                    Some(progress_sks(p)),
                ))
            }
            SasSanitizeState::Failed { .. } => {
                Some(Answer::Sense(key::MEDIUM_ERROR, 0x31, 0x03, None))
            }
        }
    }

    /// Counts one progress poll and completes the operation when its time has come.
    fn advance(&mut self, poll: bool) -> Result<(), TransportError> {
        let finished = match &mut self.state.sanitize {
            SasSanitizeState::InProgress {
                polls_done,
                started_unix_ms,
                ..
            } => count_poll_until_done(&self.config.knobs, polls_done, *started_unix_ms, poll),
            _ => false,
        };
        if finished {
            self.finish()?;
        }
        Ok(())
    }

    /// Runs the in-progress operation to its end on the medium.
    fn finish(&mut self) -> Result<(), TransportError> {
        let SasSanitizeState::InProgress { op, ause, seed, .. } = self.state.sanitize.clone()
        else {
            return Ok(());
        };
        let ss = self.media.sector_size() as usize;
        let fill = match op {
            SasSanitizeOp::BlockErase => Fill::Byte(self.config.block_erase_fill),
            SasSanitizeOp::CryptoErase => Fill::Random(seed),
            SasSanitizeOp::Overwrite {
                pattern,
                count,
                invert,
            } => {
                let last_inverted = invert && count % 2 == 0;
                let pattern = if last_inverted {
                    pattern.iter().map(|b| !b).collect()
                } else {
                    pattern
                };
                Fill::Repeat {
                    pattern,
                    period: ss,
                }
            }
        };
        let r = erase_with_knobs(
            &self.media,
            0,
            self.media.native_sectors(),
            &fill,
            &self.config.knobs,
        );
        self.state.sanitize = match r {
            EraseResult::Done => SasSanitizeState::Idle,
            EraseResult::Failed => SasSanitizeState::Failed { ause },
            EraseResult::Vanished => return Err(gone()),
        };
        self.sync_media();
        Ok(())
    }

    fn inquiry(&self, cdb: &[u8], data: DataDir<'_>) -> ScsiReply {
        let alloc = usize::from(u16::from_be_bytes([cdb[3], cdb[4]]));
        let evpd = cdb[1] & 0x01 != 0;
        if !evpd {
            if cdb[2] != 0 {
                return self.reply(Self::invalid_field());
            }
            let mut b = vec![0u8; 36];
            b[2] = 0x06;
            b[3] = 0x02;
            b[4] = 31;
            put_ascii(&mut b[8..16], &self.config.vendor);
            put_ascii(&mut b[16..32], &self.config.product);
            put_ascii(&mut b[32..36], &self.config.revision);
            return data_in(data, &b, alloc);
        }
        let body: Vec<u8> = match cdb[2] {
            0x00 => vec![0x00, 0x80, 0x83],
            0x80 => self.config.serial.as_bytes().to_vec(),
            0x83 => {
                let mut d = Vec::new();
                if let Some(naa) = self.config.naa {
                    d.extend_from_slice(&[0x01, 0x03, 0x00, 0x08]);
                    d.extend_from_slice(&naa.to_be_bytes());
                }
                let mut t10 = vec![b' '; 24];
                put_ascii(&mut t10[..8], &self.config.vendor);
                put_ascii(&mut t10[8..], &self.config.product);
                t10.extend_from_slice(self.config.serial.as_bytes());
                d.extend_from_slice(&[0x02, 0x01, 0x00, t10.len() as u8]);
                d.extend_from_slice(&t10);
                d
            }
            _ => return self.reply(Self::invalid_field()),
        };
        let mut b = vec![0x00, cdb[2]];
        b.extend_from_slice(&(body.len() as u16).to_be_bytes());
        b.extend_from_slice(&body);
        data_in(data, &b, alloc)
    }

    fn read_capacity16(&self, cdb: &[u8], data: DataDir<'_>) -> ScsiReply {
        if cdb[1] & 0x1f != 0x10 {
            return self.reply(Self::invalid_field());
        }
        if let Some(a) = self.media_condition() {
            return self.reply(a);
        }
        let alloc = u32::from_be_bytes(cdb[10..14].try_into().expect("4")) as usize;
        let mut b = vec![0u8; 32];
        b[0..8].copy_from_slice(&(self.media.visible_sectors() - 1).to_be_bytes());
        b[8..12].copy_from_slice(&self.media.sector_size().to_be_bytes());
        data_in(data, &b, alloc)
    }

    fn request_sense(&self, cdb: &[u8], data: DataDir<'_>) -> ScsiReply {
        let descriptor = cdb[1] & 0x01 != 0;
        let alloc = usize::from(cdb[4]);
        let (k, asc, ascq, sks) = match self.media_condition() {
            Some(Answer::Sense(k, a, q, s)) => (k, a, q, s),
            _ => (key::NO_SENSE, 0, 0, None),
        };
        let s = if descriptor {
            descriptor_sense(k, asc, ascq, sks)
        } else {
            fixed_sense(k, asc, ascq, sks)
        };
        data_in(data, &s, alloc)
    }

    fn implemented(&self, opcode: u8) -> bool {
        matches!(opcode, 0x00 | 0x03 | 0x12 | 0x35 | 0x9e | 0xa3)
            || (opcode == 0x48 && self.config.sanitize.is_some())
    }

    fn report_supported_opcodes(&self, cdb: &[u8], data: DataDir<'_>) -> ScsiReply {
        if !self.config.report_opcodes {
            return self.reply(Self::invalid_opcode());
        }
        let options = cdb[2] & 0x07;
        let op = cdb[3];
        let sa = u16::from_be_bytes([cdb[4], cdb[5]]);
        let alloc = u32::from_be_bytes(cdb[6..10].try_into().expect("4")) as usize;
        let has_service_actions = matches!(op, 0x48 | 0x9e | 0xa3);
        let with_sa = match options {
            1 => false,
            2 => true,
            3 => has_service_actions,
            _ => return self.reply(Self::invalid_field()),
        };
        // Reporting option 1 on a command with service actions, or 2 on one without: invalid.
        if with_sa != has_service_actions {
            return self.reply(Self::invalid_field());
        }
        let supported = match (op, with_sa) {
            (0x48, true) => self.config.sanitize.as_ref().is_some_and(|s| match sa {
                0x01 => s.overwrite,
                0x02 => s.block_erase,
                0x03 => s.crypto_erase,
                0x1f => true,
                _ => false,
            }),
            (0x9e, true) => sa == 0x10,
            (0xa3, true) => sa == 0x0c,
            (op, false) => self.implemented(op),
            _ => false,
        };
        let mut b = vec![0u8, if supported { 0x03 } else { 0x01 }, 0, 0];
        if supported {
            let len = cdb_length(op).unwrap_or(16);
            let mut usage = vec![0xffu8; len];
            usage[0] = op;
            b[2..4].copy_from_slice(&(len as u16).to_be_bytes());
            b.extend_from_slice(&usage);
        }
        data_in(data, &b, alloc)
    }

    fn sanitize(&mut self, cdb: &[u8], data: DataDir<'_>) -> Result<ScsiReply, TransportError> {
        let Some(support) = self.config.sanitize.clone() else {
            return Ok(self.reply(Self::invalid_opcode()));
        };
        let immed = cdb[1] & 0x80 != 0;
        let ause = cdb[1] & 0x20 != 0;
        let sa = cdb[1] & 0x1f;
        let pll = usize::from(u16::from_be_bytes([cdb[7], cdb[8]]));
        if let SasSanitizeState::InProgress { .. } = self.state.sanitize {
            return Ok(self.reply(self.media_condition().expect("in progress")));
        }
        let op = match sa {
            0x1f => {
                if pll != 0 || !data.is_empty() {
                    return Ok(self.reply(Self::invalid_field()));
                }
                return Ok(match self.state.sanitize {
                    SasSanitizeState::Failed { ause: true } => {
                        self.state.sanitize = SasSanitizeState::Idle;
                        self.sync_media();
                        good()
                    }
                    _ => self.reply(Self::invalid_field()),
                });
            }
            0x02 if support.block_erase => SasSanitizeOp::BlockErase,
            0x03 if support.crypto_erase => SasSanitizeOp::CryptoErase,
            0x01 if support.overwrite => match self.overwrite_parameters(pll, &data) {
                Ok(op) => op,
                Err(a) => return Ok(self.reply(a)),
            },
            _ => return Ok(self.reply(Self::invalid_field())),
        };
        if sa != 0x01 && (pll != 0 || !data.is_empty()) {
            return Ok(self.reply(Self::invalid_field()));
        }
        // Restricted completion mode: after an AUSE=0 failure, AUSE=1 is refused.
        if let SasSanitizeState::Failed { ause: false } = self.state.sanitize {
            if ause {
                return Ok(self.reply(Self::invalid_field()));
            }
        }
        self.state.sanitize = SasSanitizeState::InProgress {
            op,
            ause,
            polls_done: 0,
            started_unix_ms: now_unix_ms(),
            seed: now_unix_ms() ^ 0x5a5a_1234_abcd_0f0f,
        };
        self.sync_media();
        if !immed {
            // Without IMMED the status comes at the end of the operation.
            self.finish()?;
            return Ok(self.reply(self.media_condition().unwrap_or(Answer::Good)));
        }
        self.advance(false)?;
        Ok(good())
    }

    /// Validates the OVERWRITE parameter list (SBC-4): PARAMETER LIST LENGTH = 4 + IPL,
    /// 1 ≤ IPL ≤ logical block size, OVERWRITE COUNT ≠ 0, TEST = 0.
    fn overwrite_parameters(
        &self,
        pll: usize,
        data: &DataDir<'_>,
    ) -> Result<SasSanitizeOp, Answer> {
        let block = self.media.sector_size() as usize;
        if pll < 5 || pll > block + 4 {
            return Err(Self::invalid_field());
        }
        let DataDir::ToDevice(p) = data else {
            return Err(Self::invalid_field());
        };
        if p.len() != pll {
            return Err(Self::invalid_field());
        }
        let bad_param = Answer::Sense(key::ILLEGAL_REQUEST, 0x26, 0x00, None);
        let count = p[0] & 0x1f;
        let test = (p[0] >> 5) & 0x03;
        let ipl = usize::from(u16::from_be_bytes([p[2], p[3]]));
        if count == 0 || test != 0 || ipl == 0 || ipl > block || ipl + 4 != pll {
            return Err(bad_param);
        }
        Ok(SasSanitizeOp::Overwrite {
            pattern: p[4..4 + ipl].to_vec(),
            count,
            invert: p[0] & 0x80 != 0,
        })
    }
}

fn put_ascii(dst: &mut [u8], s: &str) {
    dst.fill(b' ');
    let b = s.as_bytes();
    let n = b.len().min(dst.len());
    dst[..n].copy_from_slice(&b[..n]);
}

impl ScsiTransport for SimSasDisk {
    fn execute(
        &mut self,
        cdb: &[u8],
        data: DataDir<'_>,
        _timeout: Duration,
    ) -> Result<ScsiReply, TransportError> {
        if self.media.is_gone() {
            return Err(gone());
        }
        if cdb.is_empty() || cdb.len() > 16 {
            return Err(TransportError::InvalidRequest(format!(
                "CDB of {} bytes",
                cdb.len()
            )));
        }
        let opcode = cdb[0];
        if cdb_length(opcode) != Some(cdb.len()) {
            return Ok(self.reply(if self.implemented(opcode) {
                Self::invalid_field()
            } else {
                Self::invalid_opcode()
            }));
        }
        // Wall-clock completion happens whatever command comes next.
        self.advance(false)?;
        let reply = match opcode {
            0x00 => {
                self.advance(true)?;
                self.reply(self.media_condition().unwrap_or(Answer::Good))
            }
            0x03 => {
                self.advance(true)?;
                self.request_sense(cdb, data)
            }
            0x12 => self.inquiry(cdb, data),
            0x9e => self.read_capacity16(cdb, data),
            0x35 => match self.media_condition() {
                Some(a) => self.reply(a),
                None => match self.media.sync() {
                    Ok(()) => good(),
                    Err(e) if e.is_gone() => return Err(gone()),
                    Err(_) => self.reply(Answer::Sense(key::MEDIUM_ERROR, 0x00, 0x00, None)),
                },
            },
            0x48 => self.sanitize(cdb, data)?,
            0xa3 if cdb[1] & 0x1f == 0x0c => self.report_supported_opcodes(cdb, data),
            0xa3 => self.reply(Self::invalid_field()),
            _ => self.reply(Self::invalid_opcode()),
        };
        if self.media.is_gone() {
            return Err(gone());
        }
        Ok(reply)
    }
}
