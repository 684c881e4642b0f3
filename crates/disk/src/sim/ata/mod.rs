//! A simulated SATA disk as Linux presents it behind libata's SAT layer ([`SimAtaDisk`]): ATA
//! PASS-THROUGH(16) carrying the ATA commands ardoise uses, plus the SCSI commands libata
//! answers itself (TEST UNIT READY, INQUIRY with VPD 80h/83h, READ CAPACITY(16), SYNCHRONIZE
//! CACHE, REQUEST SENSE).
//!
//! The model decodes the CDB bytes itself, from the SAT-5 table (docs/standards.md §1.2) and
//! the libata checks in `ata_scsi_pass_thru()` (unknown PROTOCOL, MULTIPLE_COUNT on a
//! non-multiple command, T_LENGTH = 0 with a data buffer → ILLEGAL REQUEST, INVALID FIELD IN
//! CDB), then the ATA registers the way a drive reads them: a 48-bit command sent without
//! EXTEND arrives with its high bytes zero, so its LBA key no longer matches and the drive
//! aborts. Nothing here calls [`crate::ata`].
//!
//! Registers come back in descriptor-format sense (libata's default for CK_COND), or fixed
//! format (SAT-5 tables 212/213: upper bytes lost), or not at all (a USB bridge that ignores
//! CK_COND), per [`SenseMode`]. An ATA abort becomes CHECK CONDITION, ABORTED COMMAND (libata
//! `ata_to_sense_error`: ABRT → 0B/00/00) with the registers.
//!
//! State machines (ACS as quoted by hdparm and WD/HGST OEM specifications):
//! - Security: SET PASSWORD enables; a power cycle locks an enabled drive; UNLOCK with the user
//!   password (or the master password at level High) unlocks; five wrong passwords set "count
//!   expired" and UNLOCK / ERASE UNIT then abort until power cycle; frozen aborts SET PASSWORD,
//!   UNLOCK, ERASE PREPARE/UNIT and DISABLE; ERASE UNIT aborts unless the previous command was
//!   ERASE PREPARE; a successful ERASE UNIT clears the user password and disables security; a
//!   failed one leaves the drive locked with the password. Model choice: ERASE UNIT with
//!   security disabled aborts (hdparm always sets a password first).
//! - Sanitize: SD0..SD4 with the FAILURE MODE rules of SANITIZE STATUS EXT (CLEAR SANITIZE
//!   OPERATION FAILED). While an operation runs or has failed, only IDENTIFY DEVICE, CHECK POWER
//!   MODE, SANITIZE STATUS / ANTIFREEZE LOCK, SMART RETURN STATUS, SECURITY UNLOCK (and, in SD3,
//!   new sanitize operations) are processed; everything else aborts (list after the WD Ultrastar
//!   HC580 specification §10.20, items f–l; items a–e not read, IDENTIFY and CHECK POWER MODE
//!   assumed). Host reads and writes fail meanwhile (media access aborted).
//! - Hidden areas: READ NATIVE MAX must immediately precede SET MAX (ACS, hdparm's "racey"
//!   comment); volatile SET MAX reverts at power cycle; AMAX can be frozen; DCO RESTORE aborts
//!   while an HPA is set or DCO is frozen (hdparm.8 `--dco-restore`).
//!
//! One file per layer or command family: `sat` (the SAT layer and the SCSI commands libata
//! answers), `command` (dispatch), `identify` (IDENTIFY, SMART), `security`,
//! `sanitize`, `hidden` (HPA, AMAX, DCO); `registers` holds the task file and opcodes,
//! `config` and `state` what the drive is and what it remembers.

mod command;
mod config;
mod hidden;
mod identify;
mod registers;
mod sanitize;
mod sat;
mod security;
mod state;

use std::sync::Arc;
use std::time::Duration;

pub use config::{
    AtaSanitizeCaps, AtaSecurityCaps, AtaSimConfig, SenseMode, SimSmartAttribute, SmartSim,
};
pub use state::{AtaSanitizeOp, AtaSanitizePhase, AtaSanitizeState, AtaSecurityState, AtaSimState};

use super::media::SimMedia;
use super::scsi::{check_condition, data_in, fixed_sense, gone, good, key};
use crate::transport::{DataDir, ScsiReply, ScsiTransport, TransportError};
use registers::{Done, Proto, TaskFile, FLUSH_CACHE_EXT};

/// A simulated SATA disk over a [`SimMedia`].
#[derive(Debug)]
pub struct SimAtaDisk {
    config: AtaSimConfig,
    state: AtaSimState,
    media: Arc<SimMedia>,
}

impl SimAtaDisk {
    /// A drive in the given state over media; the media's visible size and host-I/O lock follow the
    /// state at once.
    pub fn new(config: AtaSimConfig, state: AtaSimState, media: Arc<SimMedia>) -> Self {
        let d = SimAtaDisk {
            config,
            state,
            media,
        };
        d.sync_media();
        d
    }

    /// What the drive is.
    pub fn config(&self) -> &AtaSimConfig {
        &self.config
    }

    /// Changes the configuration (e.g. to flip a knob between commands).
    pub fn config_mut(&mut self) -> &mut AtaSimConfig {
        &mut self.config
    }

    /// What the drive remembers now.
    pub fn state(&self) -> &AtaSimState {
        &self.state
    }

    /// The medium behind the drive, shared with its block device.
    pub fn media(&self) -> &Arc<SimMedia> {
        &self.media
    }

    /// A power cycle: security frozen as the BIOS leaves it, an enabled drive locks, volatile
    /// max addresses and freeze locks are forgotten; a running sanitize keeps running.
    pub fn power_cycle(&mut self) {
        let s = &mut self.state;
        s.security.frozen = self.config.frozen_at_power_on;
        s.security.locked = s.security.enabled;
        s.security.failed_attempts = 0;
        if s.sanitize.phase == AtaSanitizePhase::Frozen {
            s.sanitize.phase = AtaSanitizePhase::Idle;
        }
        s.sanitize.antifreeze = false;
        s.max_sectors = s.max_sectors_at_power_on;
        s.dco_frozen = false;
        s.amax_frozen = false;
        s.last_command = None;
        self.sync_media();
    }

    /// A suspend-to-RAM and resume: the drive loses power like in [`Self::power_cycle`], but
    /// the BIOS does not run its boot code again, so it does not freeze the security feature
    /// set (docs/standards.md §1.5: the usual remedy for a frozen drive).
    pub fn suspend_resume(&mut self) {
        self.power_cycle();
        self.state.security.frozen = false;
        self.sync_media();
    }

    /// Native size as the drive reports it (DCO-reduced).
    fn native_sectors(&self) -> u64 {
        let n = self.media.native_sectors();
        self.state.dco_sectors.map_or(n, |d| d.min(n))
    }

    fn visible_sectors(&self) -> u64 {
        let native = self.native_sectors();
        self.state.max_sectors.map_or(native, |m| m.min(native))
    }

    fn sync_media(&self) {
        self.media.set_visible_sectors(self.visible_sectors());
        let sanitizing = matches!(
            self.state.sanitize.phase,
            AtaSanitizePhase::InProgress { .. } | AtaSanitizePhase::Failed { .. }
        );
        self.media
            .refuse_host_io(self.state.security.locked || sanitizing);
    }
}

impl ScsiTransport for SimAtaDisk {
    fn execute(
        &mut self,
        cdb: &[u8],
        data: DataDir<'_>,
        timeout: Duration,
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
        // A wall-clock sanitize completes whatever command comes next.
        self.advance(false)?;
        self.sync_media();
        let invalid_opcode =
            || check_condition(fixed_sense(key::ILLEGAL_REQUEST, 0x20, 0x00, None));
        let reply = match cdb[0] {
            0x85 => self.pass_through(cdb, data, timeout)?,
            0x00 if cdb.len() == 6 => good(),
            0x03 if cdb.len() == 6 => data_in(
                data,
                &fixed_sense(key::NO_SENSE, 0, 0, None),
                usize::from(cdb[4]),
            ),
            0x12 if cdb.len() == 6 => self.inquiry(cdb, data),
            0x9e if cdb.len() == 16 => self.read_capacity16(cdb, data),
            // libata translates SYNCHRONIZE CACHE into FLUSH CACHE EXT.
            0x35 if cdb.len() == 10 => {
                let tf = TaskFile {
                    command: FLUSH_CACHE_EXT,
                    features: 0,
                    count: 0,
                    lba: 0,
                    device: 0x40,
                    ext: true,
                };
                let mut none = DataDir::None;
                match self.ata_command(&tf, Proto::NonData, &mut none, timeout)? {
                    Done::Ok(_) => good(),
                    Done::Abort(_) => {
                        check_condition(fixed_sense(key::ABORTED_COMMAND, 0, 0, None))
                    }
                }
            }
            _ => invalid_opcode(),
        };
        if self.media.is_gone() {
            return Err(gone());
        }
        Ok(reply)
    }
}
