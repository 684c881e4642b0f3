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

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::media::SimMedia;
use super::scsi::{
    background_progress, check_condition, data_in, erase_with_knobs, fixed_sense, gone, good, key,
    now_unix_ms, EraseKnobs, EraseResult, Fill,
};
use crate::transport::{DataDir, ScsiReply, ScsiTransport, TransportError};

/// How the SAT layer returns ATA registers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SenseMode {
    /// Descriptor format with the ATA Status Return descriptor (libata default).
    #[default]
    Descriptor,
    /// Fixed format: registers in INFORMATION / COMMAND-SPECIFIC INFORMATION.
    Fixed,
    /// No sense data on success even with CK_COND (some USB bridges); a failure is a bare
    /// ABORTED COMMAND.
    None,
}

/// Security feature set capabilities.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AtaSecurityCaps {
    /// Word 128 bit 5.
    pub enhanced_erase: bool,
    /// Raw IDENTIFY word 89 (normal erase time).
    pub erase_time_normal_word: u16,
    /// Raw IDENTIFY word 90 (enhanced erase time).
    pub erase_time_enhanced_word: u16,
}

/// Which SANITIZE operations the drive implements (none: feature set not supported).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AtaSanitizeCaps {
    pub crypto_scramble: bool,
    pub block_erase: bool,
    pub overwrite: bool,
    pub antifreeze: bool,
}

impl AtaSanitizeCaps {
    pub fn all() -> Self {
        AtaSanitizeCaps {
            crypto_scramble: true,
            block_erase: true,
            overwrite: true,
            antifreeze: true,
        }
    }

    fn any(&self) -> bool {
        self.crypto_scramble || self.block_erase || self.overwrite
    }
}

/// One SMART attribute with its threshold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimSmartAttribute {
    pub id: u8,
    pub flags: u16,
    pub value: u8,
    pub worst: u8,
    pub threshold: u8,
    pub raw: u64,
}

/// SMART contents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SmartSim {
    pub attributes: Vec<SimSmartAttribute>,
    /// SMART RETURN STATUS answers "threshold exceeded".
    pub threshold_exceeded: bool,
}

impl SmartSim {
    /// A healthy drive: few hours, no defects.
    pub fn healthy() -> Self {
        let a = |id, flags, value, threshold, raw| SimSmartAttribute {
            id,
            flags,
            value,
            worst: value,
            threshold,
            raw,
        };
        SmartSim {
            attributes: vec![
                a(5, 0x33, 100, 10, 0),
                a(9, 0x32, 99, 0, 1234),
                a(12, 0x32, 100, 0, 321),
                a(194, 0x22, 64, 0, 36),
                a(197, 0x32, 100, 0, 0),
                a(198, 0x30, 100, 0, 0),
            ],
            threshold_exceeded: false,
        }
    }
}

/// What the simulated SATA disk is (fixed for its life).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AtaSimConfig {
    pub model: String,
    pub serial: String,
    pub firmware: String,
    pub wwn: Option<u64>,
    /// IDENTIFY word 217: 1 = solid state, else rpm.
    pub rotation_rate: u16,
    /// log2(physical / logical sector size), word 106 bits 3:0.
    pub physical_sector_exponent: u8,
    pub trim: bool,
    pub sense: SenseMode,
    /// `None`: security feature set not supported (commands F1h–F6h abort).
    pub security: Option<AtaSecurityCaps>,
    pub sanitize: AtaSanitizeCaps,
    pub hpa: bool,
    pub amax: bool,
    pub dco: bool,
    /// `None`: SMART not supported.
    pub smart: Option<SmartSim>,
    /// What BLOCK ERASE EXT leaves (0x00 or 0xFF).
    pub block_erase_fill: u8,
    /// The vendor pattern of ENHANCED SECURITY ERASE UNIT.
    pub enhanced_erase_fill: u8,
    /// The BIOS issued SECURITY FREEZE LOCK at boot.
    pub frozen_at_power_on: bool,
    /// SET MAX / SET ACCESSIBLE MAX / DCO RESTORE that would reveal hidden sectors abort.
    pub refuse_hpa_removal: bool,
    /// READ NATIVE MAX ADDRESS (EXT) and GET NATIVE MAX ADDRESS EXT abort although IDENTIFY
    /// reports the feature: the hidden area cannot be measured.
    #[serde(default)]
    pub refuse_read_native_max: bool,
    /// FLUSH CACHE (EXT) aborts (the drive could not write its cache to the medium).
    #[serde(default)]
    pub flush_cache_fails: bool,
    pub knobs: EraseKnobs,
}

impl AtaSimConfig {
    /// A 7200 rpm disk with security (normal + enhanced), sanitize (overwrite, crypto, block),
    /// HPA, DCO and SMART.
    pub fn hdd() -> Self {
        AtaSimConfig {
            model: "WDC WD10EZEX-08WN4A0".into(),
            serial: "WD-WCC6Y0SIMULATED".into(),
            firmware: "01.01A01".into(),
            wwn: Some(0x5001_4ee2_0abc_def0),
            rotation_rate: 7200,
            physical_sector_exponent: 3,
            trim: false,
            sense: SenseMode::Descriptor,
            security: Some(AtaSecurityCaps {
                enhanced_erase: true,
                erase_time_normal_word: 0x0002,
                erase_time_enhanced_word: 0x0002,
            }),
            sanitize: AtaSanitizeCaps::all(),
            hpa: true,
            amax: false,
            dco: true,
            smart: Some(SmartSim::healthy()),
            block_erase_fill: 0x00,
            enhanced_erase_fill: 0x6b,
            frozen_at_power_on: false,
            refuse_hpa_removal: false,
            refuse_read_native_max: false,
            flush_cache_fails: false,
            knobs: EraseKnobs::default(),
        }
    }

    /// A SATA SSD: non-rotating, TRIM, AMAX instead of DCO, wear attribute 233.
    pub fn ssd() -> Self {
        let mut smart = SmartSim::healthy();
        smart.attributes.push(SimSmartAttribute {
            id: 233,
            flags: 0x32,
            value: 97,
            worst: 97,
            threshold: 0,
            raw: 0,
        });
        AtaSimConfig {
            model: "Samsung SSD 860 EVO 250GB".into(),
            serial: "S3YJNX0SIMULATED".into(),
            firmware: "RVT04B6Q".into(),
            wwn: Some(0x5002_538e_4000_1234),
            rotation_rate: 1,
            physical_sector_exponent: 0,
            trim: true,
            amax: true,
            dco: false,
            smart: Some(smart),
            ..Self::hdd()
        }
    }
}

/// Security state (word 128 and the passwords).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AtaSecurityState {
    pub enabled: bool,
    pub locked: bool,
    pub frozen: bool,
    /// Security level Maximum (else High).
    pub level_maximum: bool,
    pub user_password: Option<[u8; 32]>,
    pub master_password: [u8; 32],
    pub master_revision: u16,
    /// Wrong passwords since power on; five set "count expired".
    pub failed_attempts: u8,
}

impl AtaSecurityState {
    pub fn count_expired(&self) -> bool {
        self.failed_attempts >= 5
    }
}

/// A sanitize operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum AtaSanitizeOp {
    CryptoScramble,
    BlockErase,
    Overwrite {
        pattern: u32,
        passes: u8,
        invert: bool,
        definitive_ending: bool,
    },
}

/// Sanitize Device state machine.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum AtaSanitizePhase {
    /// SD0.
    #[default]
    Idle,
    /// SD1.
    Frozen,
    /// SD2.
    InProgress {
        op: AtaSanitizeOp,
        failure_mode: bool,
        polls_done: u32,
        started_unix_ms: u64,
        seed: u64,
    },
    /// SD3; `failure_mode` is the FAILURE MODE bit of the failed command.
    Failed { failure_mode: bool },
    /// SD4.
    Succeeded,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AtaSanitizeState {
    pub phase: AtaSanitizePhase,
    pub antifreeze: bool,
    /// "Sanitize operation completed without error" (kept across power cycles).
    pub completed_without_error: bool,
}

/// Mutable state of the simulated SATA disk (persisted between processes by a later layer).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AtaSimState {
    pub security: AtaSecurityState,
    pub sanitize: AtaSanitizeState,
    /// Sectors visible to the host (HPA / AMAX); `None`: all of the native size.
    pub max_sectors: Option<u64>,
    /// What `max_sectors` returns to at power on (a volatile SET MAX is forgotten).
    pub max_sectors_at_power_on: Option<u64>,
    /// Native size as reduced by a DCO SET; `None`: the medium's size.
    pub dco_sectors: Option<u64>,
    pub dco_frozen: bool,
    pub amax_frozen: bool,
    /// The previous ATA command (ERASE PREPARE → ERASE UNIT, READ NATIVE MAX → SET MAX).
    pub last_command: Option<u8>,
}

impl AtaSimState {
    /// The state right after power on.
    pub fn power_on(config: &AtaSimConfig) -> Self {
        let mut s = AtaSimState::default();
        s.security.frozen = config.frozen_at_power_on;
        s
    }

    /// A drive with an HPA (persistent) leaving `visible` sectors to the host.
    pub fn with_hpa(mut self, visible: u64) -> Self {
        self.max_sectors = Some(visible);
        self.max_sectors_at_power_on = Some(visible);
        self
    }

    /// A drive whose user password is set (and, if `locked`, locked as after a power cycle).
    pub fn with_user_password(mut self, password: &[u8], locked: bool) -> Self {
        let mut p = [0u8; 32];
        p[..password.len().min(32)].copy_from_slice(&password[..password.len().min(32)]);
        self.security.user_password = Some(p);
        self.security.enabled = true;
        self.security.locked = locked;
        self
    }
}

// ATA opcodes, spelled out here so that the model does not share the encoder's tables.
const IDENTIFY: u8 = 0xec;
const CHECK_POWER_MODE: u8 = 0xe5;
const FLUSH_CACHE: u8 = 0xe7;
const FLUSH_CACHE_EXT: u8 = 0xea;
const SMART: u8 = 0xb0;
const DCO: u8 = 0xb1;
const SANITIZE: u8 = 0xb4;
const SET_PASSWORD: u8 = 0xf1;
const UNLOCK: u8 = 0xf2;
const ERASE_PREPARE: u8 = 0xf3;
const ERASE_UNIT: u8 = 0xf4;
const FREEZE_LOCK: u8 = 0xf5;
const DISABLE_PASSWORD: u8 = 0xf6;
const READ_NATIVE_MAX: u8 = 0xf8;
const SET_MAX: u8 = 0xf9;
const READ_NATIVE_MAX_EXT: u8 = 0x27;
const SET_MAX_EXT: u8 = 0x37;
const AMAX: u8 = 0x78;

const STATUS_OK: u8 = 0x50; // DRDY | DSC
const STATUS_ERR: u8 = 0x51; // DRDY | DSC | ERR
const ERROR_ABRT: u8 = 0x04;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Proto {
    NonData,
    PioIn,
    PioOut,
}

/// The registers as the drive receives them.
#[derive(Debug, Clone, Copy)]
struct TaskFile {
    command: u8,
    features: u16,
    count: u16,
    /// LBA(47:0); the high 24 bits are zero unless the CDB had EXTEND.
    lba: u64,
    device: u8,
    ext: bool,
}

impl TaskFile {
    /// A 28-bit command's address: LBA(23:0) with LBA(27:24) from DEVICE bits 3:0.
    fn lba28(&self) -> u64 {
        (self.lba & 0x00ff_ffff) | u64::from(self.device & 0x0f) << 24
    }

    fn features_low(&self) -> u8 {
        (self.features & 0xff) as u8
    }
}

/// The registers the drive returns.
#[derive(Debug, Clone, Copy, Default)]
struct Out {
    error: u8,
    count: u16,
    lba: u64,
    device: u8,
    status: u8,
}

enum Done {
    Ok(Out),
    Abort(Out),
}

fn ok() -> Done {
    Done::Ok(Out {
        status: STATUS_OK,
        device: 0x40,
        ..Out::default()
    })
}

fn ok_with(count: u16, lba: u64, device: u8) -> Done {
    Done::Ok(Out {
        status: STATUS_OK,
        count,
        lba,
        device,
        error: 0,
    })
}

fn abort_reason(reason: u8) -> Done {
    Done::Abort(Out {
        status: STATUS_ERR,
        error: ERROR_ABRT,
        lba: u64::from(reason),
        device: 0x40,
        count: 0,
    })
}

fn abort() -> Done {
    abort_reason(0)
}

/// Puts text in ATA string order: first character in the high byte of each word.
fn put_ata_string(words: &mut [u16], s: &str) {
    let mut b = s.as_bytes().to_vec();
    b.resize(words.len() * 2, b' ');
    for (i, w) in words.iter_mut().enumerate() {
        *w = u16::from(b[2 * i]) << 8 | u16::from(b[2 * i + 1]);
    }
}

/// Serialises words and seals word 255 (A5h + two's-complement checksum).
fn seal(words: &[u16; 256]) -> [u8; 512] {
    let mut b = [0u8; 512];
    for (i, w) in words.iter().enumerate() {
        b[2 * i..2 * i + 2].copy_from_slice(&w.to_le_bytes());
    }
    b[510] = 0xa5;
    let sum = b[..511].iter().fold(0u8, |a, &x| a.wrapping_add(x));
    b[511] = sum.wrapping_neg();
    b
}

/// Minutes encoded in an erase-time word (bit 15: extended format).
fn erase_minutes(word: u16) -> u64 {
    let v = if word & 0x8000 != 0 {
        word & 0x7fff
    } else {
        word & 0xff
    };
    u64::from(v) * 2
}

/// A simulated SATA disk over a [`SimMedia`].
#[derive(Debug)]
pub struct SimAtaDisk {
    config: AtaSimConfig,
    state: AtaSimState,
    media: Arc<SimMedia>,
}

impl SimAtaDisk {
    pub fn new(config: AtaSimConfig, state: AtaSimState, media: Arc<SimMedia>) -> Self {
        let d = SimAtaDisk {
            config,
            state,
            media,
        };
        d.sync_media();
        d
    }

    pub fn config(&self) -> &AtaSimConfig {
        &self.config
    }

    /// Changes the configuration (e.g. to flip a knob between commands).
    pub fn config_mut(&mut self) -> &mut AtaSimConfig {
        &mut self.config
    }

    pub fn state(&self) -> &AtaSimState {
        &self.state
    }

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

    // --- SAT layer -----------------------------------------------------------------------

    fn pass_through(
        &mut self,
        cdb: &[u8],
        data: DataDir<'_>,
        timeout: Duration,
    ) -> Result<ScsiReply, TransportError> {
        let invalid = || check_condition(fixed_sense(key::ILLEGAL_REQUEST, 0x24, 0x00, None));
        if cdb.len() != 16 {
            return Ok(invalid());
        }
        let proto = match (cdb[1] >> 1) & 0x0f {
            3 => Proto::NonData,
            4 => Proto::PioIn,
            5 => Proto::PioOut,
            // DMA and the rest are not modelled; libata also refuses unknown protocols.
            _ => return Ok(invalid()),
        };
        let ext = cdb[1] & 0x01 != 0;
        let multiple_count = cdb[1] >> 5;
        let ck_cond = cdb[2] & 0x20 != 0;
        let t_dir_in = cdb[2] & 0x08 != 0;
        let byt_blok = cdb[2] & 0x04 != 0;
        let t_length = cdb[2] & 0x03;
        if multiple_count != 0 {
            return Ok(invalid());
        }
        // libata: T_LENGTH = 0 means no data; a buffer then is an invalid field.
        if t_length == 0 && !data.is_empty() {
            return Ok(invalid());
        }
        let count = if ext {
            u16::from_be_bytes([cdb[5], cdb[6]])
        } else {
            u16::from(cdb[6])
        };
        match proto {
            Proto::NonData => {
                if t_length != 0 || !matches!(data, DataDir::None) {
                    return Ok(invalid());
                }
            }
            Proto::PioIn | Proto::PioOut => {
                let dir_ok = match (&data, proto) {
                    (DataDir::FromDevice(_), Proto::PioIn) => t_dir_in,
                    (DataDir::ToDevice(_), Proto::PioOut) => !t_dir_in,
                    _ => false,
                };
                // Only "T_LENGTH in COUNT, in 512-byte blocks" is modelled.
                if !dir_ok || t_length != 2 || !byt_blok || usize::from(count) * 512 != data.len() {
                    return Ok(invalid());
                }
            }
        }
        let hi = |b: u8| if ext { u64::from(b) } else { 0 };
        let tf = TaskFile {
            command: cdb[14],
            features: if ext { u16::from(cdb[3]) << 8 } else { 0 } | u16::from(cdb[4]),
            count,
            lba: u64::from(cdb[8])
                | u64::from(cdb[10]) << 8
                | u64::from(cdb[12]) << 16
                | hi(cdb[7]) << 24
                | hi(cdb[9]) << 32
                | hi(cdb[11]) << 40,
            device: cdb[13],
            ext,
        };
        let mut data = data;
        let done = self.ata_command(&tf, proto, &mut data, timeout)?;
        self.sync_media();
        Ok(self.ata_reply(&tf, ck_cond, done))
    }

    fn ata_reply(&self, tf: &TaskFile, ck_cond: bool, done: Done) -> ScsiReply {
        let (out, failed) = match done {
            Done::Ok(o) => (o, false),
            Done::Abort(o) => (o, true),
        };
        if !failed && !ck_cond {
            return good();
        }
        let (k, ascq) = if failed {
            (key::ABORTED_COMMAND, 0x00)
        } else {
            (key::RECOVERED_ERROR, 0x1d)
        };
        match self.config.sense {
            SenseMode::None if failed => {
                check_condition(fixed_sense(key::ABORTED_COMMAND, 0, 0, None))
            }
            SenseMode::None => good(),
            SenseMode::Descriptor => {
                let l = out.lba.to_le_bytes();
                let [c_hi, c_lo] = out.count.to_be_bytes();
                let h = |b: u8| if tf.ext { b } else { 0 };
                check_condition(vec![
                    0x72,
                    k,
                    0x00,
                    ascq,
                    0,
                    0,
                    0,
                    14,
                    0x09,
                    0x0c,
                    u8::from(tf.ext),
                    out.error,
                    h(c_hi),
                    c_lo,
                    h(l[3]),
                    l[0],
                    h(l[4]),
                    l[1],
                    h(l[5]),
                    l[2],
                    out.device,
                    out.status,
                ])
            }
            SenseMode::Fixed => {
                let l = out.lba.to_le_bytes();
                let mut flags = 0u8;
                if tf.ext {
                    flags |= 0x80;
                    if out.count >> 8 != 0 {
                        flags |= 0x40;
                    }
                    if out.lba >> 24 != 0 {
                        flags |= 0x20;
                    }
                }
                let mut s = fixed_sense(k, 0x00, ascq, None);
                s[0] |= 0x80; // VALID
                s[3..7].copy_from_slice(&[out.error, out.status, out.device, out.count as u8]);
                s[8..12].copy_from_slice(&[flags, l[0], l[1], l[2]]);
                check_condition(s)
            }
        }
    }

    // --- ATA command set -----------------------------------------------------------------

    fn expected_protocol(tf: &TaskFile) -> Proto {
        match tf.command {
            IDENTIFY => Proto::PioIn,
            SMART if matches!(tf.features_low(), 0xd0 | 0xd1) => Proto::PioIn,
            DCO if tf.features_low() == 0xc2 => Proto::PioIn,
            DCO if tf.features_low() == 0xc3 => Proto::PioOut,
            SET_PASSWORD | UNLOCK | ERASE_UNIT | DISABLE_PASSWORD => Proto::PioOut,
            _ => Proto::NonData,
        }
    }

    /// Commands a drive processes while sanitizing (SD2) or after a failed sanitize (SD3).
    fn allowed_while_sanitizing(tf: &TaskFile) -> bool {
        match tf.command {
            IDENTIFY | CHECK_POWER_MODE | SANITIZE | UNLOCK => true,
            SMART => tf.features_low() == 0xda,
            _ => false,
        }
    }

    /// Commands a locked drive processes (no media access, no configuration change).
    fn allowed_when_locked(tf: &TaskFile) -> bool {
        match tf.command {
            IDENTIFY | CHECK_POWER_MODE | UNLOCK | ERASE_PREPARE | ERASE_UNIT | FLUSH_CACHE
            | FLUSH_CACHE_EXT | SMART | READ_NATIVE_MAX | READ_NATIVE_MAX_EXT => true,
            AMAX => tf.features == 0,
            SANITIZE => tf.features == 0,
            _ => false,
        }
    }

    fn ata_command(
        &mut self,
        tf: &TaskFile,
        proto: Proto,
        data: &mut DataDir<'_>,
        timeout: Duration,
    ) -> Result<Done, TransportError> {
        let previous = self.state.last_command.replace(tf.command);
        // Every command of this model transfers at most one block.
        if proto != Self::expected_protocol(tf) || (proto != Proto::NonData && data.len() != 512) {
            return Ok(abort());
        }
        let sanitizing = matches!(
            self.state.sanitize.phase,
            AtaSanitizePhase::InProgress { .. } | AtaSanitizePhase::Failed { .. }
        );
        if sanitizing && !Self::allowed_while_sanitizing(tf) {
            return Ok(abort());
        }
        if self.state.security.locked && !Self::allowed_when_locked(tf) {
            return Ok(abort());
        }
        let out = match tf.command {
            IDENTIFY => {
                let b = self.identify_block();
                put_in(data, &b);
                ok()
            }
            CHECK_POWER_MODE => ok_with(0xff, 0, 0x40),
            FLUSH_CACHE | FLUSH_CACHE_EXT if self.config.flush_cache_fails => abort(),
            FLUSH_CACHE | FLUSH_CACHE_EXT => match self.media.sync() {
                Ok(()) => ok(),
                Err(e) if e.is_gone() => return Err(gone()),
                Err(_) => abort(),
            },
            SMART => self.smart(tf, data),
            SET_PASSWORD => self.set_password(data),
            UNLOCK => self.unlock(data),
            ERASE_PREPARE => self.erase_prepare(),
            ERASE_UNIT => self.erase_unit(data, previous == Some(ERASE_PREPARE), timeout)?,
            FREEZE_LOCK => self.security_freeze_lock(),
            DISABLE_PASSWORD => self.disable_password(data),
            READ_NATIVE_MAX | READ_NATIVE_MAX_EXT => self.read_native_max(tf),
            SET_MAX | SET_MAX_EXT => self.set_max(tf, previous),
            AMAX => self.amax(tf),
            DCO => self.dco(tf, data),
            SANITIZE => self.sanitize(tf)?,
            _ => abort(),
        };
        Ok(out)
    }

    fn identify_block(&self) -> [u8; 512] {
        let c = &self.config;
        let s = &self.state;
        let mut w = [0u16; 256];
        w[0] = 0x0040;
        put_ata_string(&mut w[10..20], &c.serial);
        put_ata_string(&mut w[23..27], &c.firmware);
        put_ata_string(&mut w[27..47], &c.model);
        w[47] = 0x8010;
        w[49] = 0x0300;
        w[53] = 0x0006;
        if c.sanitize.any() {
            w[59] = 1 << 12
                | u16::from(c.sanitize.crypto_scramble) << 13
                | u16::from(c.sanitize.overwrite) << 14
                | u16::from(c.sanitize.block_erase) << 15
                | u16::from(c.sanitize.antifreeze) << 10;
        }
        let visible = self.visible_sectors();
        let lba28 = visible.min(0x0fff_ffff) as u32;
        w[60] = lba28 as u16;
        w[61] = (lba28 >> 16) as u16;
        if c.trim {
            w[69] = 1 << 14 | 1 << 5;
        }
        w[80] = 0x07f0; // ATA/ATAPI-4 .. ACS-3
        let smart = c.smart.is_some();
        let sec = c.security.is_some();
        w[82] = u16::from(smart) | u16::from(sec) << 1 | 1 << 5 | u16::from(c.hpa) << 10 | 1 << 14;
        w[83] = 0x4000 | 1 << 10 | u16::from(c.dco) << 11 | 1 << 12 | 1 << 13;
        w[84] = 0x4000;
        w[85] = u16::from(smart)
            | u16::from(s.security.enabled) << 1
            | 1 << 5
            | u16::from(c.hpa) << 10
            | 1 << 14;
        w[86] = 1 << 10 | u16::from(c.dco) << 11 | 1 << 12 | 1 << 13 | 1 << 15;
        w[87] = 0x4000 | u16::from(c.wwn.is_some()) << 8;
        w[88] = 0x007f;
        if let Some(caps) = &c.security {
            w[89] = caps.erase_time_normal_word;
            w[90] = caps.erase_time_enhanced_word;
            w[92] = s.security.master_revision;
            w[128] = 1
                | u16::from(s.security.enabled) << 1
                | u16::from(s.security.locked) << 2
                | u16::from(s.security.frozen) << 3
                | u16::from(s.security.count_expired()) << 4
                | u16::from(caps.enhanced_erase) << 5
                | u16::from(s.security.level_maximum) << 8;
        }
        for i in 0..4 {
            w[100 + i] = (visible >> (16 * i)) as u16;
        }
        let ss = self.media.sector_size();
        w[106] = 0x4000;
        if c.physical_sector_exponent > 0 {
            w[106] |= 1 << 13 | u16::from(c.physical_sector_exponent & 0x0f);
        }
        if ss != 512 {
            w[106] |= 1 << 12;
            let words = ss / 2;
            w[117] = words as u16;
            w[118] = (words >> 16) as u16;
        }
        if let Some(wwn) = c.wwn {
            for i in 0..4 {
                w[108 + i] = (wwn >> (48 - 16 * i)) as u16;
            }
        }
        w[119] = 0x4000 | u16::from(c.amax) << 8;
        w[120] = 0x4000;
        w[169] = u16::from(c.trim);
        w[217] = c.rotation_rate;
        seal(&w)
    }

    fn smart(&mut self, tf: &TaskFile, data: &mut DataDir<'_>) -> Done {
        let Some(smart) = &self.config.smart else {
            return abort();
        };
        // The SMART signature: LBA(15:8) = 4Fh, LBA(23:16) = C2h.
        if (tf.lba >> 8) & 0xffff != 0xc24f {
            return abort();
        }
        match tf.features_low() {
            0xd0 | 0xd1 => {
                let thresholds = tf.features_low() == 0xd1;
                let mut b = [0u8; 512];
                b[0] = 0x10;
                for (i, a) in smart.attributes.iter().take(30).enumerate() {
                    let o = 2 + 12 * i;
                    b[o] = a.id;
                    if thresholds {
                        b[o + 1] = a.threshold;
                    } else {
                        b[o + 1..o + 3].copy_from_slice(&a.flags.to_le_bytes());
                        b[o + 3] = a.value;
                        b[o + 4] = a.worst;
                        b[o + 5..o + 11].copy_from_slice(&a.raw.to_le_bytes()[..6]);
                    }
                }
                if !thresholds {
                    b[362] = 0x82;
                    b[367] = 0x7b;
                    b[368] = 0x03;
                    b[370] = 0x01;
                }
                let sum = b[..511].iter().fold(0u8, |a, &x| a.wrapping_add(x));
                b[511] = sum.wrapping_neg();
                put_in(data, &b);
                ok()
            }
            0xda => {
                let lba = if smart.threshold_exceeded {
                    0x2c_f400
                } else {
                    0xc2_4f00
                };
                ok_with(0, lba, 0x40)
            }
            0xd8 | 0xd9 => ok(),
            _ => abort(),
        }
    }

    // --- security ------------------------------------------------------------------------

    fn password_block(data: &DataDir<'_>) -> Option<(bool, u16, [u8; 32])> {
        let DataDir::ToDevice(b) = data else {
            return None;
        };
        let word0 = u16::from_le_bytes([b[0], b[1]]);
        let pw: [u8; 32] = b[2..34].try_into().ok()?;
        Some((word0 & 1 != 0, word0, pw))
    }

    fn wrong_password(&mut self) -> Done {
        let s = &mut self.state.security;
        s.failed_attempts = (s.failed_attempts + 1).min(5);
        abort()
    }

    fn set_password(&mut self, data: &DataDir<'_>) -> Done {
        if self.config.security.is_none() || self.state.security.frozen {
            return abort();
        }
        let Some((master, word0, pw)) = Self::password_block(data) else {
            return abort();
        };
        let DataDir::ToDevice(b) = data else {
            return abort();
        };
        let s = &mut self.state.security;
        if master {
            s.master_password = pw;
            let rev = u16::from_le_bytes([b[34], b[35]]);
            if rev != 0xffff {
                s.master_revision = rev;
            }
        } else {
            s.user_password = Some(pw);
            s.enabled = true;
            s.level_maximum = word0 & (1 << 8) != 0;
        }
        ok()
    }

    fn unlock(&mut self, data: &DataDir<'_>) -> Done {
        let s = &self.state.security;
        if self.config.security.is_none() || s.frozen || s.count_expired() || !s.enabled {
            return abort();
        }
        let Some((master, _, pw)) = Self::password_block(data) else {
            return abort();
        };
        let matches = if master {
            if s.level_maximum {
                return abort();
            }
            pw == s.master_password
        } else {
            s.user_password == Some(pw)
        };
        if !matches {
            return self.wrong_password();
        }
        self.state.security.locked = false;
        self.state.security.failed_attempts = 0;
        ok()
    }

    fn erase_prepare(&mut self) -> Done {
        if self.config.security.is_none() || self.state.security.frozen {
            return abort();
        }
        ok()
    }

    fn erase_unit(
        &mut self,
        data: &DataDir<'_>,
        prepared: bool,
        timeout: Duration,
    ) -> Result<Done, TransportError> {
        let Some(caps) = self.config.security.clone() else {
            return Ok(abort());
        };
        let s = &self.state.security;
        if s.frozen || s.count_expired() || !prepared || !s.enabled {
            return Ok(abort());
        }
        let Some((master, word0, pw)) = Self::password_block(data) else {
            return Ok(abort());
        };
        let enhanced = word0 & (1 << 1) != 0;
        if enhanced && !caps.enhanced_erase {
            return Ok(abort());
        }
        let matches = if master {
            pw == s.master_password
        } else {
            s.user_password == Some(pw)
        };
        if !matches {
            return Ok(self.wrong_password());
        }
        let (count, fill) = if enhanced {
            (
                self.media.native_sectors(),
                Fill::Byte(self.config.enhanced_erase_fill),
            )
        } else {
            (self.visible_sectors(), Fill::Byte(0x00))
        };
        match erase_with_knobs(&self.media, 0, count, &fill, &self.config.knobs) {
            EraseResult::Done => {
                let s = &mut self.state.security;
                s.enabled = false;
                s.locked = false;
                s.user_password = None;
                s.level_maximum = false;
                s.failed_attempts = 0;
            }
            EraseResult::Failed => {
                self.state.security.locked = true;
                return Ok(abort());
            }
            EraseResult::Vanished => return Err(gone()),
        }
        // A timeout shorter than the drive's own estimate: the host gives up (and resets the
        // link) while the drive finishes the erase.
        let word = if enhanced {
            caps.erase_time_enhanced_word
        } else {
            caps.erase_time_normal_word
        };
        let estimate = Duration::from_secs(erase_minutes(word) * 60);
        if timeout < estimate {
            self.sync_media();
            return Err(TransportError::Timeout {
                op: "SECURITY ERASE UNIT",
            });
        }
        Ok(ok())
    }

    fn security_freeze_lock(&mut self) -> Done {
        if self.config.security.is_none() {
            return abort();
        }
        self.state.security.frozen = true;
        ok()
    }

    fn disable_password(&mut self, data: &DataDir<'_>) -> Done {
        let s = &self.state.security;
        if self.config.security.is_none() || s.frozen || !s.enabled {
            return abort();
        }
        let Some((master, _, pw)) = Self::password_block(data) else {
            return abort();
        };
        let matches = if master {
            !s.level_maximum && pw == s.master_password
        } else {
            s.user_password == Some(pw)
        };
        if !matches {
            return self.wrong_password();
        }
        let s = &mut self.state.security;
        s.enabled = false;
        s.user_password = None;
        s.level_maximum = false;
        ok()
    }

    // --- hidden areas --------------------------------------------------------------------

    fn read_native_max(&self, tf: &TaskFile) -> Done {
        if !self.config.hpa || self.config.refuse_read_native_max {
            return abort();
        }
        let max = self.native_sectors() - 1;
        if tf.command == READ_NATIVE_MAX {
            let m = max.min(0x0fff_ffff);
            ok_with(0, m & 0x00ff_ffff, 0x40 | ((m >> 24) & 0x0f) as u8)
        } else {
            ok_with(0, max, 0x40)
        }
    }

    /// Sets the visible size; refuses addresses past the native max, and (knob) growth.
    fn set_visible(&mut self, new_max_lba: u64, persistent: bool) -> Done {
        let native = self.native_sectors();
        if new_max_lba >= native {
            return Done::Abort(Out {
                status: STATUS_ERR,
                error: ERROR_ABRT | 0x10, // IDNF
                device: 0x40,
                ..Out::default()
            });
        }
        let sectors = new_max_lba + 1;
        if self.config.refuse_hpa_removal && sectors > self.visible_sectors() {
            return abort();
        }
        let value = (sectors < native).then_some(sectors);
        self.state.max_sectors = value;
        if persistent {
            self.state.max_sectors_at_power_on = value;
        }
        ok()
    }

    fn set_max(&mut self, tf: &TaskFile, previous: Option<u8>) -> Done {
        if !self.config.hpa {
            return abort();
        }
        let (needed, lba) = if tf.command == SET_MAX {
            (READ_NATIVE_MAX, tf.lba28())
        } else {
            (READ_NATIVE_MAX_EXT, tf.lba)
        };
        if previous != Some(needed) {
            return abort();
        }
        self.set_visible(lba, tf.count & 1 != 0)
    }

    fn amax(&mut self, tf: &TaskFile) -> Done {
        if !self.config.amax {
            return abort();
        }
        match tf.features {
            0x0000 if self.config.refuse_read_native_max => abort(),
            0x0000 => ok_with(0, self.native_sectors() - 1, 0x40),
            0x0001 => {
                if self.state.amax_frozen {
                    return abort();
                }
                self.set_visible(tf.lba, true)
            }
            0x0002 => {
                self.state.amax_frozen = true;
                ok()
            }
            _ => abort(),
        }
    }

    fn dco(&mut self, tf: &TaskFile, data: &mut DataDir<'_>) -> Done {
        if !self.config.dco {
            return abort();
        }
        match tf.features_low() {
            0xc2 => {
                let mut w = [0u16; 256];
                w[0] = 0x0002;
                let max = self.media.native_sectors() - 1;
                for i in 0..4 {
                    w[3 + i] = (max >> (16 * i)) as u16;
                }
                w[7] = 1 | u16::from(self.config.security.is_some()) << 3 | 1 << 7 | 1 << 8;
                put_in(data, &seal(&w));
                ok()
            }
            0xc0 => {
                let hpa_set = self.visible_sectors() < self.native_sectors();
                let restricted = self.native_sectors() < self.media.native_sectors();
                if self.state.dco_frozen
                    || hpa_set
                    || (self.config.refuse_hpa_removal && restricted)
                {
                    return abort();
                }
                self.state.dco_sectors = None;
                self.state.max_sectors = None;
                self.state.max_sectors_at_power_on = None;
                ok()
            }
            0xc1 => {
                self.state.dco_frozen = true;
                ok()
            }
            _ => abort(),
        }
    }

    // --- sanitize ------------------------------------------------------------------------

    fn sanitize_status_out(&self) -> Done {
        let s = &self.state.sanitize;
        let mut count = 0u16;
        if s.completed_without_error {
            count |= 1 << 15;
        }
        if s.antifreeze {
            count |= 1 << 12;
        }
        let mut lba = 0xffff;
        match &s.phase {
            AtaSanitizePhase::InProgress {
                polls_done,
                started_unix_ms,
                ..
            } => {
                count |= 1 << 14;
                lba = u64::from(
                    background_progress(&self.config.knobs, *polls_done, *started_unix_ms)
                        .unwrap_or(0xffff),
                );
            }
            AtaSanitizePhase::Frozen => count |= 1 << 13,
            _ => {}
        }
        ok_with(count, lba, 0x40)
    }

    /// Counts a progress poll and completes the operation when its time has come.
    fn advance(&mut self, poll: bool) -> Result<(), TransportError> {
        let finished = match &mut self.state.sanitize.phase {
            AtaSanitizePhase::InProgress {
                polls_done,
                started_unix_ms,
                ..
            } => {
                if poll {
                    *polls_done += 1;
                }
                background_progress(&self.config.knobs, *polls_done, *started_unix_ms).is_none()
            }
            _ => false,
        };
        if finished {
            self.finish_sanitize()?;
        }
        Ok(())
    }

    fn finish_sanitize(&mut self) -> Result<(), TransportError> {
        let AtaSanitizePhase::InProgress {
            op,
            failure_mode,
            seed,
            ..
        } = self.state.sanitize.phase.clone()
        else {
            return Ok(());
        };
        let fill = match op {
            AtaSanitizeOp::CryptoScramble => Fill::Random(seed),
            AtaSanitizeOp::BlockErase => Fill::Byte(self.config.block_erase_fill),
            AtaSanitizeOp::Overwrite {
                pattern,
                passes,
                invert,
                definitive_ending,
            } => {
                let inverted_last = invert && passes % 2 == 0 && !definitive_ending;
                let p = if inverted_last { !pattern } else { pattern };
                Fill::Repeat {
                    pattern: p.to_le_bytes().to_vec(),
                    period: self.media.sector_size() as usize,
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
        self.state.sanitize.phase = match r {
            EraseResult::Done => {
                self.state.sanitize.completed_without_error = true;
                AtaSanitizePhase::Succeeded
            }
            EraseResult::Failed => AtaSanitizePhase::Failed { failure_mode },
            EraseResult::Vanished => return Err(gone()),
        };
        self.sync_media();
        Ok(())
    }

    fn sanitize(&mut self, tf: &TaskFile) -> Result<Done, TransportError> {
        let caps = self.config.sanitize.clone();
        if !caps.any() {
            return Ok(abort());
        }
        let failure_mode = tf.count & (1 << 4) != 0;
        let op = match tf.features {
            0x0000 => return self.sanitize_status(tf.count & 1 != 0),
            0x0011 if caps.crypto_scramble => {
                if tf.lba != 0x4372_7970 {
                    return Ok(abort());
                }
                AtaSanitizeOp::CryptoScramble
            }
            0x0012 if caps.block_erase => {
                if tf.lba != 0x426b_4572 {
                    return Ok(abort());
                }
                AtaSanitizeOp::BlockErase
            }
            0x0014 if caps.overwrite => {
                if tf.lba >> 32 != 0x4f57 {
                    return Ok(abort());
                }
                let passes = match (tf.count & 0x0f) as u8 {
                    0 => 16,
                    n => n,
                };
                AtaSanitizeOp::Overwrite {
                    pattern: tf.lba as u32,
                    passes,
                    invert: tf.count & (1 << 7) != 0,
                    definitive_ending: tf.count & (1 << 6) != 0,
                }
            }
            0x0020 => {
                if tf.lba != 0x4672_4c6b {
                    return Ok(abort());
                }
                if self.state.sanitize.antifreeze {
                    return Ok(abort_reason(4));
                }
                return Ok(match self.state.sanitize.phase {
                    AtaSanitizePhase::Idle
                    | AtaSanitizePhase::Succeeded
                    | AtaSanitizePhase::Frozen => {
                        self.state.sanitize.phase = AtaSanitizePhase::Frozen;
                        ok()
                    }
                    _ => abort(),
                });
            }
            0x0040 if caps.antifreeze => {
                if tf.lba != 0x416e_7469 {
                    return Ok(abort());
                }
                if self.state.sanitize.phase == AtaSanitizePhase::Frozen {
                    return Ok(abort_reason(3));
                }
                self.state.sanitize.antifreeze = true;
                return Ok(ok());
            }
            _ => return Ok(abort_reason(2)),
        };
        match self.state.sanitize.phase {
            AtaSanitizePhase::Frozen => return Ok(abort_reason(3)),
            AtaSanitizePhase::InProgress { .. } => return Ok(abort()),
            // After a failure without FAILURE MODE, an operation with FAILURE MODE aborts.
            AtaSanitizePhase::Failed {
                failure_mode: false,
            } if failure_mode => return Ok(abort_reason(1)),
            _ => {}
        }
        if self.state.security.locked {
            return Ok(abort());
        }
        self.state.sanitize.completed_without_error = false;
        self.state.sanitize.phase = AtaSanitizePhase::InProgress {
            op,
            failure_mode,
            polls_done: 0,
            started_unix_ms: now_unix_ms(),
            seed: now_unix_ms() ^ 0x0123_4567_89ab_cdef,
        };
        self.sync_media();
        // The command returns once the operation has started; with no polls or duration
        // configured it also completes at once.
        self.advance(false)?;
        Ok(ok())
    }

    fn sanitize_status(&mut self, clear_failed: bool) -> Result<Done, TransportError> {
        self.advance(true)?;
        if let AtaSanitizePhase::Failed { failure_mode } = self.state.sanitize.phase {
            if clear_failed && failure_mode {
                self.state.sanitize.phase = AtaSanitizePhase::Idle;
            } else {
                return Ok(abort_reason(1));
            }
        }
        Ok(self.sanitize_status_out())
    }

    // --- SCSI commands libata answers itself ----------------------------------------------

    fn inquiry(&self, cdb: &[u8], data: DataDir<'_>) -> ScsiReply {
        let alloc = usize::from(u16::from_be_bytes([cdb[3], cdb[4]]));
        let invalid = || check_condition(fixed_sense(key::ILLEGAL_REQUEST, 0x24, 0x00, None));
        let pad = |s: &str, n: usize| {
            let mut v = s.as_bytes().to_vec();
            v.resize(n, b' ');
            v.truncate(n);
            v
        };
        if cdb[1] & 0x01 == 0 {
            if cdb[2] != 0 {
                return invalid();
            }
            let mut b = vec![0u8; 36];
            b[2] = 0x05;
            b[3] = 0x02;
            b[4] = 31;
            b[8..16].copy_from_slice(b"ATA     ");
            b[16..32].copy_from_slice(&pad(&self.config.model, 16));
            let fw = pad(&self.config.firmware, 8);
            b[32..36].copy_from_slice(&fw[4..8]);
            return data_in(data, &b, alloc);
        }
        let body = match cdb[2] {
            0x00 => vec![0x00, 0x80, 0x83],
            0x80 => pad(&self.config.serial, 20),
            0x83 => {
                let mut t10 = b"ATA     ".to_vec();
                t10.extend(pad(&self.config.model, 40));
                t10.extend(pad(&self.config.serial, 20));
                let mut d = vec![0x02, 0x01, 0x00, t10.len() as u8];
                d.extend(t10);
                if let Some(wwn) = self.config.wwn {
                    d.extend_from_slice(&[0x01, 0x03, 0x00, 0x08]);
                    d.extend_from_slice(&wwn.to_be_bytes());
                }
                d
            }
            _ => return invalid(),
        };
        let mut b = vec![0x00, cdb[2]];
        b.extend_from_slice(&(body.len() as u16).to_be_bytes());
        b.extend(body);
        data_in(data, &b, alloc)
    }

    fn read_capacity16(&self, cdb: &[u8], data: DataDir<'_>) -> ScsiReply {
        if cdb[1] & 0x1f != 0x10 {
            return check_condition(fixed_sense(key::ILLEGAL_REQUEST, 0x24, 0x00, None));
        }
        let alloc = u32::from_be_bytes(cdb[10..14].try_into().expect("4")) as usize;
        let mut b = vec![0u8; 32];
        b[0..8].copy_from_slice(&(self.visible_sectors() - 1).to_be_bytes());
        b[8..12].copy_from_slice(&self.media.sector_size().to_be_bytes());
        b[13] = self.config.physical_sector_exponent & 0x0f;
        data_in(data, &b, alloc)
    }
}

/// Copies a 512-byte response into a data-in buffer.
fn put_in(data: &mut DataDir<'_>, block: &[u8; 512]) {
    if let DataDir::FromDevice(buf) = data {
        let n = buf.len().min(512);
        buf[..n].copy_from_slice(&block[..n]);
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
