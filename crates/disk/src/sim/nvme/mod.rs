//! A simulated NVMe controller: answers raw admin commands the way a controller would.
//!
//! It decodes every field itself from the NVMe Base Specification 2.0 layout (docs/standards.md
//! §2) and never calls [`crate::nvme`]'s encoders or parsers, so that an encoder bug gets the
//! answer a real controller gives (Invalid Field in Command, Invalid Opcode...) and a test fails.
//!
//! What it models:
//! - Identify Controller / Namespace / Active Namespace list, SMART / Health log (02h),
//!   Sanitize Status log (81h) with offsets and NUMD, reserved-bit checks.
//! - Sanitize (84h): Block Erase, Crypto Erase, Overwrite (OWPASS, OIPBP, OVRPAT), AUSE, NDAS
//!   (with NDI and the No-Deallocate Response Mode), Exit Failure Mode; progress (SPROG) that
//!   advances per Sanitize Status log read or with wall-clock time; the failure state with
//!   restricted (AUSE = 0) or unrestricted (AUSE = 1) exit; commands refused meanwhile (Format NVM
//!   and a second Sanitize: Sanitize In Progress 1Dh while running, Sanitize Failed 1Ch in the
//!   failure state; Identify and Get Log Page stay allowed).
//! - Format NVM (80h): SES 0/1/2 (SES 2 only with FNA bit 2), FNA bit 0 (format of any namespace
//!   formats all), bit 1 (secure erase of any namespace erases all), bit 3 (no broadcast), LBA
//!   format change (the namespace's LBA size and NSZE follow).
//! - A QEMU-like personality (QEMU `hw/nvme/ctrl.c`, docs/standards.md §6): no Sanitize
//!   (Invalid Opcode 0x4001), log 81h answered with Invalid Field 0x4002, SES ignored (any value
//!   zero-fills).
//! - Knobs: lying (success, nothing erased), partial (only the first fraction erased), sanitize
//!   failure, the device vanishing mid-operation, a Sanitize command lost on its way (unclear
//!   answer), a completion without Global Data Erased, a trim-only fake (zeros whatever NDAS
//!   says), health figures.
//! - Host reads and writes are refused (EIO) while a sanitize runs and in the failure state,
//!   as a controller aborts I/O with Sanitize In Progress / Sanitize Failed.
//!
//! What erase leaves on the medium (one byte pattern per outcome, so tests and verification can
//! tell them apart):
//! - Sanitize, when the controller deallocates afterwards (NDAS = 0, or NDI forcing it, and
//!   `deallocate_after_sanitize`): zeros, whatever the action (deallocated LBAs read as zeros,
//!   DLFEAT = 001b).
//! - Sanitize with NDAS = 1: Block Erase → zeros; Crypto Erase → pseudo-random bytes (the old
//!   ciphertext read through a new key); Overwrite → the 32-bit OVRPAT, little-endian, repeated,
//!   as written by the last pass (inverted when OIPBP is set and the pass count is even).
//! - Format NVM: SES 0 → zeros (as QEMU does; the specification leaves the data indeterminate),
//!   SES 1 → zeros, SES 2 → pseudo-random bytes; QEMU personality → zeros for every SES.
//!
//! Limits: block I/O through [`crate::sim::SimBlock`] does not go through this model, so host
//! writes do not clear Global Data Erased, and a change
//! of LBA format does not change the sector size [`crate::sim::SimMedia`] reports to the block
//! path (the namespace's Identify data does change). Media verification (EMVS, SANACT 5) is not
//! modelled.
//!
//! [`NvmeSimConfig`] (what the controller is) and [`NvmeSimState`] (what happened to it) are
//! separate serde structures, so a later process can rebuild the same controller from JSON.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use nix::errno::Errno;
use serde::{Deserialize, Serialize};

use crate::sim::media::SimMedia;
use crate::transport::{DataDir, NvmeAdminCmd, NvmeReply, NvmeTransport, TransportError};

const OP: &str = "NVME_IOCTL_ADMIN_CMD";
const NSID_ALL: u32 = 0xFFFF_FFFF;

// Status field values (SC | SCT << 8 | DNR << 14), written out here rather than taken from
// crate::nvme so that the model stays independent of the code it tests.
const SUCCESS: u16 = 0x0000;
const DNR: u16 = 0x4000;
const INVALID_OPCODE: u16 = 0x0001 | DNR;
const INVALID_FIELD: u16 = 0x0002 | DNR;
const INVALID_NAMESPACE: u16 = 0x000B | DNR;
const SANITIZE_FAILED: u16 = 0x001C | DNR;
const SANITIZE_IN_PROGRESS: u16 = 0x001D;
const INVALID_LOG_PAGE: u16 = 0x0109 | DNR;
const INVALID_FORMAT: u16 = 0x010A | DNR;

/// Which controller the model imitates where behaviours differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NvmePersonality {
    /// A controller that follows the specification.
    Standard,
    /// QEMU's emulated NVMe controller (hw/nvme/ctrl.c): no Sanitize, log 81h unknown, SES ignored.
    Qemu,
}

/// How a sanitize operation advances.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SanitizeProgress {
    /// The operation completes on the `polls`-th read of the Sanitize Status log; each read
    /// moves SPROG by 1/`polls`. 0 = completes on the first read.
    Polls { polls: u32 },
    /// The operation takes `millis` of wall-clock time from the Sanitize command.
    WallClock { millis: u64 },
}

/// Estimated times reported in the Sanitize Status log, in seconds (`None` = not reported).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SanitizeEstimates {
    pub overwrite: Option<u32>,
    pub block_erase: Option<u32>,
    pub crypto_erase: Option<u32>,
    pub overwrite_no_dealloc: Option<u32>,
    pub block_erase_no_dealloc: Option<u32>,
    pub crypto_erase_no_dealloc: Option<u32>,
}

/// The figures of the SMART / Health log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimHealth {
    pub critical_warning: u8,
    pub temperature_kelvin: u16,
    pub available_spare: u8,
    pub available_spare_threshold: u8,
    pub percentage_used: u8,
    pub data_units_read: u128,
    pub data_units_written: u128,
    pub power_cycles: u128,
    pub power_on_hours: u128,
    pub unsafe_shutdowns: u128,
    pub media_errors: u128,
    pub error_log_entries: u128,
}

impl Default for SimHealth {
    fn default() -> Self {
        SimHealth {
            critical_warning: 0,
            temperature_kelvin: 308,
            available_spare: 100,
            available_spare_threshold: 10,
            percentage_used: 2,
            data_units_read: 1_000,
            data_units_written: 2_000,
            power_cycles: 40,
            power_on_hours: 1_200,
            unsafe_shutdowns: 3,
            media_errors: 0,
            error_log_entries: 0,
        }
    }
}

/// Misbehaviours a test can ask for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct NvmeKnobs {
    /// Sanitize and Format report success but leave the medium untouched.
    #[serde(default)]
    pub lying: bool,
    /// Sanitize and Format report success but erase only this leading fraction of each
    /// namespace.
    #[serde(default)]
    pub partial_fraction: Option<f64>,
    /// Sanitize fails (SSTAT = failed) once it reaches this fraction; what was erased so far
    /// stays erased.
    #[serde(default)]
    pub sanitize_fails_at: Option<f64>,
    /// The device vanishes ([`SimMedia::vanish`]) once a sanitize or format reaches this
    /// fraction; every later command fails as "device gone".
    #[serde(default)]
    pub vanish_at: Option<f64>,
    /// The Sanitize command is lost on its way: the host gets an I/O error (an unclear answer)
    /// and the controller never sees the command.
    #[serde(default)]
    pub sanitize_answer_lost: bool,
    /// A completed sanitize leaves Global Data Erased (SSTAT bit 8) clear.
    #[serde(default)]
    pub sanitize_without_global_data_erased: bool,
    /// Every sanitize only deallocates (a trim-only fake): zeros whatever the action and NDAS,
    /// and the log reports an ordinary success (SSTAT 1).
    #[serde(default)]
    pub deallocate_only: bool,
}

/// An LBA format the controller offers (Identify Namespace LBAF entry).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimLbaFormat {
    /// Metadata bytes per LBA.
    pub ms: u16,
    /// log2 of the data size.
    pub lbads: u8,
    /// Relative performance 0..=3.
    pub rp: u8,
}

impl SimLbaFormat {
    pub const fn new(ms: u16, lbads: u8, rp: u8) -> Self {
        SimLbaFormat { ms, lbads, rp }
    }
}

/// What the controller is: identity, capabilities, behaviour. Does not change while it runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NvmeSimConfig {
    pub personality: NvmePersonality,
    pub vid: u16,
    pub ssvid: u16,
    pub serial: String,
    pub model: String,
    pub firmware: String,
    /// VER: major << 16 | minor << 8 | tertiary.
    pub version: u32,
    pub oacs: u16,
    pub frmw: u8,
    pub lpa: u8,
    pub sanicap: u32,
    pub fna: u8,
    pub oncs: u16,
    pub vwc: u8,
    /// Identify Namespace MC and DPC (metadata and protection capabilities).
    pub mc: u8,
    pub dpc: u8,
    /// LBA formats offered by every namespace (1..=64).
    pub lba_formats: Vec<SimLbaFormat>,
    pub sanitize_progress: SanitizeProgress,
    pub estimates: SanitizeEstimates,
    /// Whether the controller deallocates after a sanitize without NDAS (the spec's "should").
    pub deallocate_after_sanitize: bool,
    /// Set Features Sanitize Config NODRM: with SANICAP.NDI, a Sanitize with NDAS is accepted
    /// (and deallocates anyway, SSTAT = 4) instead of being refused with Invalid Field.
    pub no_dealloc_response_mode: bool,
    pub health: SimHealth,
    #[serde(default)]
    pub knobs: NvmeKnobs,
}

impl Default for NvmeSimConfig {
    /// A capable controller: all three sanitize methods, Format NVM with crypto erase
    /// (FNA bit 2), per-namespace format, 512 and 4096-byte LBA formats.
    fn default() -> Self {
        NvmeSimConfig {
            personality: NvmePersonality::Standard,
            // Not a real vendor id.
            vid: 0xA5D1,
            ssvid: 0xA5D1,
            serial: "ARDSIM0001".into(),
            model: "ardoise simulated NVMe".into(),
            firmware: "SIM1.0".into(),
            version: 0x0001_0400,
            oacs: 0x0002,
            frmw: 0x02,
            lpa: 0x03,
            sanicap: 0b111,
            fna: 0b100,
            oncs: 0x000c,
            vwc: 1,
            mc: 0,
            dpc: 0,
            lba_formats: vec![
                SimLbaFormat::new(0, 9, 2),
                SimLbaFormat::new(0, 12, 0),
                SimLbaFormat::new(8, 12, 1),
            ],
            sanitize_progress: SanitizeProgress::Polls { polls: 3 },
            estimates: SanitizeEstimates {
                overwrite: Some(600),
                block_erase: Some(30),
                crypto_erase: Some(5),
                overwrite_no_dealloc: Some(600),
                block_erase_no_dealloc: Some(30),
                crypto_erase_no_dealloc: Some(5),
            },
            deallocate_after_sanitize: true,
            no_dealloc_response_mode: false,
            health: SimHealth::default(),
            knobs: NvmeKnobs::default(),
        }
    }
}

impl NvmeSimConfig {
    /// QEMU's emulated controller as measured (docs/standards.md §6): vid 0x1b36, OACS 0x12a,
    /// SANICAP 0, FNA 0, its eight LBA formats (512 and 4096 bytes with 0, 8, 16, 64 metadata
    /// bytes).
    pub fn qemu_like() -> Self {
        let f = SimLbaFormat::new;
        NvmeSimConfig {
            personality: NvmePersonality::Qemu,
            vid: 0x1b36,
            ssvid: 0x1af4,
            serial: "deadbeef".into(),
            model: "QEMU NVMe Ctrl".into(),
            firmware: "10.0.2".into(),
            version: 0x0001_0400,
            oacs: 0x012a,
            frmw: 0x07,
            lpa: 0x07,
            sanicap: 0,
            fna: 0,
            oncs: 0x015d,
            vwc: 1,
            mc: 0x03,
            dpc: 0x1f,
            lba_formats: vec![
                f(0, 9, 0),
                f(8, 9, 0),
                f(16, 9, 0),
                f(64, 9, 0),
                f(0, 12, 0),
                f(8, 12, 0),
                f(16, 12, 0),
                f(64, 12, 0),
            ],
            sanitize_progress: SanitizeProgress::Polls { polls: 1 },
            estimates: SanitizeEstimates::default(),
            deallocate_after_sanitize: true,
            no_dealloc_response_mode: false,
            health: SimHealth::default(),
            knobs: NvmeKnobs::default(),
        }
    }
}

/// Per-namespace format settings.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimNamespaceState {
    pub lbaf: u8,
    pub mset: bool,
    pub pi: u8,
    pub pil: bool,
}

/// A sanitize operation under way.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimSanitizeOperation {
    pub cdw10: u32,
    pub ovrpat: u32,
    pub started_unix_ms: u64,
    /// Sanitize Status log reads since the start.
    pub polls: u32,
    /// Leading fraction of every namespace already written.
    pub erased_fraction: f64,
    /// Whether the operation ends by deallocating (zeros), and whether that deallocation
    /// overrides an NDAS request (SSTAT 4).
    pub deallocate: bool,
    pub forced_deallocation: bool,
    /// The crypto-erase key generation this operation uses.
    pub key_generation: u64,
}

/// The failure state left by a failed sanitize.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimSanitizeFailure {
    /// AUSE was set: Exit Failure Mode is allowed.
    pub unrestricted: bool,
}

/// What the Sanitize Status log reports, and the operation behind it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SimSanitizeState {
    /// SSTAT bits 2:0 of the most recent operation.
    pub status: u8,
    pub passes_completed: u8,
    pub global_data_erased: bool,
    pub scdw10: u32,
    pub operation: Option<SimSanitizeOperation>,
    pub failure: Option<SimSanitizeFailure>,
}

/// Everything that changes while the controller runs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NvmeSimState {
    pub namespaces: Vec<SimNamespaceState>,
    pub sanitize: SimSanitizeState,
    /// Crypto-erase key generations used so far (each crypto erase picks a new key).
    pub key_generation: u64,
    pub vanished: bool,
    /// Counters, for tests and reports.
    pub sanitizes_started: u32,
    pub formats_done: u32,
}

impl NvmeSimState {
    /// A fresh controller whose namespaces use the first metadata-free LBA format matching
    /// each medium's sector size.
    pub fn initial(
        config: &NvmeSimConfig,
        namespaces: &[Arc<SimMedia>],
    ) -> Result<Self, SimNvmeError> {
        let ns = namespaces
            .iter()
            .enumerate()
            .map(|(i, m)| {
                config
                    .lba_formats
                    .iter()
                    .position(|f| f.ms == 0 && f.lbads < 32 && 1u32 << f.lbads == m.sector_size())
                    .map(|lbaf| SimNamespaceState {
                        lbaf: lbaf as u8,
                        ..Default::default()
                    })
                    .ok_or(SimNvmeError::NoMatchingFormat {
                        nsid: i as u32 + 1,
                        sector_size: m.sector_size(),
                    })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(NvmeSimState {
            namespaces: ns,
            ..Default::default()
        })
    }
}

/// A configuration and state that do not fit together.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SimNvmeError {
    #[error("the controller needs 1 to 64 LBA formats, not {0}")]
    LbaFormats(usize),
    #[error("the state describes {state} namespaces, {media} media were given")]
    NamespaceCount { state: usize, media: usize },
    #[error("namespace {nsid}: LBA format {lbaf} does not exist")]
    UnknownFormat { nsid: u32, lbaf: u8 },
    #[error("namespace {nsid}: no metadata-free LBA format of {sector_size} bytes")]
    NoMatchingFormat { nsid: u32, sector_size: u32 },
    #[error("at least one namespace is needed")]
    NoNamespace,
}

/// The simulated controller; implements [`NvmeTransport`].
#[derive(Debug)]
pub struct SimNvmeController {
    config: NvmeSimConfig,
    state: NvmeSimState,
    namespaces: Vec<Arc<SimMedia>>,
}

fn now_unix_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_millis() as u64
}

fn gone(errno: Errno) -> TransportError {
    TransportError::DeviceGone { op: OP, errno }
}

fn reply(status: u16) -> Result<NvmeReply, TransportError> {
    Ok(NvmeReply { status, result: 0 })
}

fn put(buf: &mut [u8], at: usize, bytes: &[u8]) {
    buf[at..at + bytes.len()].copy_from_slice(bytes);
}

fn put_ascii(buf: &mut [u8], at: usize, len: usize, s: &str) {
    let mut field = vec![b' '; len];
    let n = s.len().min(len);
    field[..n].copy_from_slice(&s.as_bytes()[..n]);
    put(buf, at, &field);
}

/// What a fill writes: one of the outcomes listed in the module documentation.
#[derive(Debug, Clone, Copy)]
enum Content {
    Zeros,
    Pattern(u32),
    Random { key: [u8; 32] },
}

impl Content {
    fn fill(self, chunk: &mut [u8], offset: u64) {
        match self {
            Content::Zeros => chunk.fill(0),
            Content::Pattern(p) => {
                let bytes = p.to_le_bytes();
                for (i, b) in chunk.iter_mut().enumerate() {
                    *b = bytes[((offset + i as u64) % 4) as usize];
                }
            }
            Content::Random { key } => {
                let mut reader = blake3::Hasher::new_keyed(&key).finalize_xof();
                reader.set_position(offset);
                reader.fill(chunk);
            }
        }
    }
}

impl SimNvmeController {
    pub fn new(
        config: NvmeSimConfig,
        state: NvmeSimState,
        namespaces: Vec<Arc<SimMedia>>,
    ) -> Result<Self, SimNvmeError> {
        if namespaces.is_empty() {
            return Err(SimNvmeError::NoNamespace);
        }
        if config.lba_formats.is_empty() || config.lba_formats.len() > 64 {
            return Err(SimNvmeError::LbaFormats(config.lba_formats.len()));
        }
        if state.namespaces.len() != namespaces.len() {
            return Err(SimNvmeError::NamespaceCount {
                state: state.namespaces.len(),
                media: namespaces.len(),
            });
        }
        for (i, ns) in state.namespaces.iter().enumerate() {
            if usize::from(ns.lbaf) >= config.lba_formats.len() {
                return Err(SimNvmeError::UnknownFormat {
                    nsid: i as u32 + 1,
                    lbaf: ns.lbaf,
                });
            }
        }
        if state.vanished {
            namespaces.iter().for_each(|m| m.vanish());
        }
        let c = SimNvmeController {
            config,
            state,
            namespaces,
        };
        c.sync_host_io();
        Ok(c)
    }

    /// Host I/O is aborted while a sanitize runs and in the sanitize failure state.
    fn sync_host_io(&self) {
        let refused =
            self.state.sanitize.operation.is_some() || self.state.sanitize.failure.is_some();
        self.namespaces
            .iter()
            .for_each(|m| m.refuse_host_io(refused));
    }

    /// A controller fresh from the factory.
    pub fn fresh(
        config: NvmeSimConfig,
        namespaces: Vec<Arc<SimMedia>>,
    ) -> Result<Self, SimNvmeError> {
        let state = NvmeSimState::initial(&config, &namespaces)?;
        Self::new(config, state, namespaces)
    }

    pub fn config(&self) -> &NvmeSimConfig {
        &self.config
    }

    pub fn state(&self) -> &NvmeSimState {
        &self.state
    }

    pub fn namespaces(&self) -> &[Arc<SimMedia>] {
        &self.namespaces
    }

    /// The namespace's current LBA data size in bytes.
    pub fn lba_size(&self, nsid: u32) -> Option<u32> {
        let ns = self.state.namespaces.get(nsid.checked_sub(1)? as usize)?;
        let f = self.config.lba_formats[usize::from(ns.lbaf)];
        (f.lbads < 32).then(|| 1u32 << f.lbads)
    }

    fn nn(&self) -> u32 {
        self.namespaces.len() as u32
    }

    fn is_qemu(&self) -> bool {
        self.config.personality == NvmePersonality::Qemu
    }

    fn sanitize_supported(&self) -> bool {
        !self.is_qemu() && self.config.sanicap & 0b111 != 0
    }

    fn vanish(&mut self) -> TransportError {
        self.namespaces.iter().for_each(|m| m.vanish());
        self.state.vanished = true;
        gone(Errno::ENODEV)
    }

    fn media_gone(e: crate::block::BlockError) -> TransportError {
        if e.is_gone() {
            gone(Errno::ENODEV)
        } else {
            TransportError::Os {
                op: OP,
                errno: Errno::EIO,
            }
        }
    }

    /// Writes `content` over the fraction `[from, to)` of namespace `index`.
    fn fill_fraction(
        &self,
        index: usize,
        from: f64,
        to: f64,
        content: Content,
    ) -> Result<(), TransportError> {
        let media = &self.namespaces[index];
        let n = media.native_sectors();
        let first = ((from.clamp(0.0, 1.0)) * n as f64).floor() as u64;
        let end = ((to.clamp(0.0, 1.0)) * n as f64).floor() as u64;
        if end > first {
            media
                .fill_sectors(first, end - first, |chunk, off| content.fill(chunk, off))
                .map_err(Self::media_gone)?;
        }
        Ok(())
    }

    fn crypto_key(&self, generation: u64, nsid: u32) -> [u8; 32] {
        let mut material = Vec::new();
        material.extend_from_slice(self.config.serial.as_bytes());
        material.extend_from_slice(&generation.to_le_bytes());
        material.extend_from_slice(&nsid.to_le_bytes());
        blake3::derive_key("ardoise simulated NVMe media encryption key", &material)
    }

    // -----------------------------------------------------------------------------------------
    // Identify
    // -----------------------------------------------------------------------------------------

    fn identify(&self, cmd: &NvmeAdminCmd, buf: &mut [u8]) -> Result<u16, TransportError> {
        let cns = (cmd.cdw10 & 0xff) as u8;
        if cmd.cdw10 & 0x0000_ff00 != 0 {
            return Ok(INVALID_FIELD);
        }
        let data = &mut buf[..4096];
        data.fill(0);
        match cns {
            0x00 => match cmd.nsid {
                n if (1..=self.nn()).contains(&n) => {
                    self.identify_namespace(n, data);
                    Ok(SUCCESS)
                }
                NSID_ALL if self.config.oacs & (1 << 3) != 0 => {
                    // Capabilities common to all namespaces: formats, no size.
                    self.common_namespace(data);
                    Ok(SUCCESS)
                }
                _ => Ok(INVALID_NAMESPACE),
            },
            0x01 => {
                self.identify_controller(data);
                Ok(SUCCESS)
            }
            0x02 => {
                if cmd.nsid >= 0xFFFF_FFFE {
                    return Ok(INVALID_NAMESPACE);
                }
                let ids = (1..=self.nn()).filter(|&n| n > cmd.nsid).take(1024);
                for (i, id) in ids.enumerate() {
                    put(data, 4 * i, &id.to_le_bytes());
                }
                Ok(SUCCESS)
            }
            _ => Ok(INVALID_FIELD),
        }
    }

    fn identify_controller(&self, d: &mut [u8]) {
        let c = &self.config;
        put(d, 0, &c.vid.to_le_bytes());
        put(d, 2, &c.ssvid.to_le_bytes());
        put_ascii(d, 4, 20, &c.serial);
        put_ascii(d, 24, 40, &c.model);
        put_ascii(d, 64, 8, &c.firmware);
        d[72] = 6; // RAB
        d[77] = 7; // MDTS: 512 KiB with 4 KiB pages
        put(d, 80, &c.version.to_le_bytes());
        put(d, 256, &c.oacs.to_le_bytes());
        d[258] = 3; // ACL
        d[259] = 3; // AERL
        d[260] = c.frmw;
        d[261] = c.lpa;
        d[262] = 63; // ELPE
        put(d, 266, &343u16.to_le_bytes()); // WCTEMP 70 °C
        put(d, 268, &373u16.to_le_bytes()); // CCTEMP 100 °C
        let total: u128 = self
            .namespaces
            .iter()
            .map(|m| u128::from(m.native_sectors()) * u128::from(m.sector_size()))
            .sum();
        put(d, 280, &total.to_le_bytes());
        put(d, 328, &c.sanicap.to_le_bytes());
        d[512] = 0x66; // SQES
        d[513] = 0x44; // CQES
        put(d, 514, &256u16.to_le_bytes());
        put(d, 516, &self.nn().to_le_bytes());
        put(d, 520, &c.oncs.to_le_bytes());
        d[524] = c.fna;
        d[525] = c.vwc;
        let nqn = match c.personality {
            NvmePersonality::Qemu => format!("nqn.2019-08.org.qemu:{}", c.serial),
            NvmePersonality::Standard => format!("nqn.2024-01.invalid.ardoise:sim:{}", c.serial),
        };
        put_ascii(d, 768, 256, &nqn);
        // The NQN field is NUL-padded, not space-padded.
        if let Some(end) = d[768..1024].iter().rposition(|&b| b != b' ') {
            d[768 + end + 1..1024].fill(0);
        }
    }

    fn put_formats(&self, d: &mut [u8]) {
        d[25] = (self.config.lba_formats.len() - 1) as u8;
        d[27] = self.config.mc;
        d[28] = self.config.dpc;
        d[33] = 0x01; // DLFEAT: deallocated LBAs read as zeros
        for (i, f) in self.config.lba_formats.iter().enumerate() {
            let at = 128 + 4 * i;
            put(d, at, &f.ms.to_le_bytes());
            d[at + 2] = f.lbads;
            d[at + 3] = f.rp & 0x3;
        }
    }

    fn common_namespace(&self, d: &mut [u8]) {
        self.put_formats(d);
    }

    fn identify_namespace(&self, nsid: u32, d: &mut [u8]) {
        let idx = (nsid - 1) as usize;
        let ns = self.state.namespaces[idx];
        let media = &self.namespaces[idx];
        let bytes = u128::from(media.native_sectors()) * u128::from(media.sector_size());
        let lba = u128::from(self.lba_size(nsid).unwrap_or(512));
        let nsze = (bytes / lba) as u64;
        put(d, 0, &nsze.to_le_bytes());
        put(d, 8, &nsze.to_le_bytes());
        put(d, 16, &nsze.to_le_bytes());
        self.put_formats(d);
        d[26] = (ns.lbaf & 0xf) | (u8::from(ns.mset) << 4) | ((ns.lbaf >> 4) & 0x3) << 5;
        d[29] = (ns.pi & 0x7) | (u8::from(ns.pil) << 3);
        put(d, 48, &bytes.to_le_bytes());
        let id = blake3::hash(format!("{}:{}", self.config.serial, nsid).as_bytes());
        put(d, 104, &id.as_bytes()[..16]);
        put(d, 120, &id.as_bytes()[16..24]);
    }

    // -----------------------------------------------------------------------------------------
    // Get Log Page
    // -----------------------------------------------------------------------------------------

    fn get_log_page(&mut self, cmd: &NvmeAdminCmd, buf: &mut [u8]) -> Result<u16, TransportError> {
        let lid = (cmd.cdw10 & 0xff) as u8;
        let lsp = (cmd.cdw10 >> 8) & 0x7f;
        let numd = (u64::from(cmd.cdw11 & 0xffff) << 16 | u64::from(cmd.cdw10 >> 16)) + 1;
        let len = numd * 4;
        let offset = u64::from(cmd.cdw13) << 32 | u64::from(cmd.cdw12);
        if len > buf.len() as u64 {
            // The controller would DMA past the host's buffer: on real hardware memory
            // corruption or an IOMMU fault. Never a valid request.
            return Err(TransportError::InvalidRequest(format!(
                "Get Log Page NUMD asks for {len} bytes but the host buffer holds {}",
                buf.len()
            )));
        }
        let log: Vec<u8> = match lid {
            0x02 => {
                if lsp != 0 || cmd.cdw11 >> 16 != 0 {
                    return Ok(INVALID_FIELD);
                }
                match cmd.nsid {
                    0 | NSID_ALL => {}
                    n if (1..=self.nn()).contains(&n) => {
                        if self.config.lpa & 1 == 0 {
                            return Ok(INVALID_FIELD);
                        }
                    }
                    _ => return Ok(INVALID_NAMESPACE),
                }
                self.smart_log()
            }
            0x81 if self.sanitize_supported() => {
                if lsp != 0 || cmd.cdw11 >> 16 != 0 || !matches!(cmd.nsid, 0 | NSID_ALL) {
                    return Ok(INVALID_FIELD);
                }
                if let Some(op) = self.state.sanitize.operation.as_mut() {
                    op.polls = op.polls.saturating_add(1);
                }
                if matches!(
                    self.config.sanitize_progress,
                    SanitizeProgress::Polls { .. }
                ) {
                    self.advance_sanitize()?;
                }
                self.sanitize_log()
            }
            _ if self.is_qemu() => return Ok(INVALID_FIELD),
            _ => return Ok(INVALID_LOG_PAGE),
        };
        if offset % 4 != 0 || offset >= log.len() as u64 {
            return Ok(INVALID_FIELD);
        }
        // Bytes past the end of the log read as zeros.
        let out = &mut buf[..len as usize];
        out.fill(0);
        let start = offset as usize;
        let n = (log.len() - start).min(out.len());
        out[..n].copy_from_slice(&log[start..start + n]);
        Ok(SUCCESS)
    }

    fn smart_log(&self) -> Vec<u8> {
        let h = &self.config.health;
        let mut d = vec![0u8; 512];
        d[0] = h.critical_warning;
        put(&mut d, 1, &h.temperature_kelvin.to_le_bytes());
        d[3] = h.available_spare;
        d[4] = h.available_spare_threshold;
        d[5] = h.percentage_used;
        put(&mut d, 32, &h.data_units_read.to_le_bytes());
        put(&mut d, 48, &h.data_units_written.to_le_bytes());
        put(&mut d, 64, &(h.data_units_read * 8).to_le_bytes());
        put(&mut d, 80, &(h.data_units_written * 8).to_le_bytes());
        put(&mut d, 96, &(h.power_on_hours / 10).to_le_bytes());
        put(&mut d, 112, &h.power_cycles.to_le_bytes());
        put(&mut d, 128, &h.power_on_hours.to_le_bytes());
        put(&mut d, 144, &h.unsafe_shutdowns.to_le_bytes());
        put(&mut d, 160, &h.media_errors.to_le_bytes());
        put(&mut d, 176, &h.error_log_entries.to_le_bytes());
        put(&mut d, 200, &h.temperature_kelvin.to_le_bytes());
        d
    }

    fn sanitize_log(&self) -> Vec<u8> {
        let s = &self.state.sanitize;
        let mut d = vec![0u8; 512];
        let (sprog, status) = match &s.operation {
            Some(op) => {
                let f = self.progress_of(op).min(1.0);
                (((f * 65536.0) as u32).min(0xFFFE) as u16, 2u8)
            }
            None => (0xFFFF, s.status),
        };
        let sstat = u16::from(status & 0x7)
            | u16::from(s.passes_completed & 0x1f) << 3
            | u16::from(s.global_data_erased) << 8;
        put(&mut d, 0, &sprog.to_le_bytes());
        put(&mut d, 2, &sstat.to_le_bytes());
        put(&mut d, 4, &s.scdw10.to_le_bytes());
        let e = &self.config.estimates;
        for (i, v) in [
            e.overwrite,
            e.block_erase,
            e.crypto_erase,
            e.overwrite_no_dealloc,
            e.block_erase_no_dealloc,
            e.crypto_erase_no_dealloc,
            None,
        ]
        .iter()
        .enumerate()
        {
            put(&mut d, 8 + 4 * i, &v.unwrap_or(u32::MAX).to_le_bytes());
        }
        d
    }

    // -----------------------------------------------------------------------------------------
    // Sanitize
    // -----------------------------------------------------------------------------------------

    fn progress_of(&self, op: &SimSanitizeOperation) -> f64 {
        match self.config.sanitize_progress {
            SanitizeProgress::Polls { polls: 0 } => 1.0,
            SanitizeProgress::Polls { polls } => f64::from(op.polls) / f64::from(polls),
            SanitizeProgress::WallClock { millis: 0 } => 1.0,
            SanitizeProgress::WallClock { millis } => {
                now_unix_ms().saturating_sub(op.started_unix_ms) as f64 / millis as f64
            }
        }
    }

    fn overwrite_passes(cdw10: u32) -> u8 {
        match ((cdw10 >> 4) & 0xf) as u8 {
            0 => 16,
            n => n,
        }
    }

    fn sanitize_content(&self, op: &SimSanitizeOperation, nsid: u32) -> Content {
        if op.deallocate || self.config.knobs.deallocate_only {
            return Content::Zeros;
        }
        match op.cdw10 & 0x7 {
            3 => {
                let passes = Self::overwrite_passes(op.cdw10);
                let invert = op.cdw10 & (1 << 8) != 0 && passes.is_multiple_of(2);
                Content::Pattern(if invert { !op.ovrpat } else { op.ovrpat })
            }
            4 => Content::Random {
                key: self.crypto_key(op.key_generation, nsid),
            },
            _ => Content::Zeros,
        }
    }

    /// Moves the running operation to its current progress: erases the newly covered part,
    /// then vanishes, fails or completes when the knobs or the progress say so.
    fn advance_sanitize(&mut self) -> Result<(), TransportError> {
        let Some(op) = self.state.sanitize.operation.clone() else {
            return Ok(());
        };
        let progress = self.progress_of(&op).min(1.0);
        let knobs = self.config.knobs;
        let vanish = knobs.vanish_at.filter(|&v| v <= progress);
        let fail = knobs.sanitize_fails_at.filter(|&f| f <= progress);
        let stop = [Some(progress), vanish, fail]
            .into_iter()
            .flatten()
            .fold(f64::INFINITY, f64::min);
        let limit = if knobs.lying {
            0.0
        } else {
            knobs.partial_fraction.unwrap_or(1.0)
        };
        let to = stop.min(limit);
        if to > op.erased_fraction {
            for i in 0..self.namespaces.len() {
                let content = self.sanitize_content(&op, i as u32 + 1);
                self.fill_fraction(i, op.erased_fraction, to, content)?;
            }
            if let Some(o) = self.state.sanitize.operation.as_mut() {
                o.erased_fraction = to;
            }
        }
        let passes = if op.cdw10 & 0x7 == 3 {
            Self::overwrite_passes(op.cdw10)
        } else {
            0
        };
        let s = &mut self.state.sanitize;
        if vanish.is_some() {
            s.passes_completed = (f64::from(passes) * stop) as u8;
            return Err(self.vanish());
        }
        if fail.is_some() {
            s.operation = None;
            s.status = 3;
            s.passes_completed = (f64::from(passes) * stop) as u8;
            s.global_data_erased = false;
            s.failure = Some(SimSanitizeFailure {
                unrestricted: op.cdw10 & (1 << 3) != 0,
            });
            return Ok(());
        }
        if progress >= 1.0 {
            s.operation = None;
            s.status = if op.forced_deallocation { 4 } else { 1 };
            s.passes_completed = passes;
            s.global_data_erased = !knobs.sanitize_without_global_data_erased;
            s.failure = None;
        } else {
            s.passes_completed = (f64::from(passes) * progress) as u8;
        }
        Ok(())
    }

    fn sanitize(&mut self, cmd: &NvmeAdminCmd) -> Result<u16, TransportError> {
        if !self.sanitize_supported() {
            return Ok(INVALID_OPCODE);
        }
        if self.state.sanitize.operation.is_some() {
            return Ok(SANITIZE_IN_PROGRESS);
        }
        let cdw10 = cmd.cdw10;
        let sanact = cdw10 & 0x7;
        let ause = cdw10 & (1 << 3) != 0;
        let ndas = cdw10 & (1 << 9) != 0;
        let emvs = cdw10 & (1 << 10) != 0;
        let vers = self.config.sanicap & (1 << 3) != 0;
        let ndi = self.config.sanicap & (1 << 29) != 0;
        // Bits 31:11 are reserved; EMVS only exists with media verification support.
        if cdw10 >> 11 != 0 || (emvs && !vers) {
            return Ok(INVALID_FIELD);
        }
        let method_bit = match sanact {
            1 => {
                return Ok(match self.state.sanitize.failure {
                    None => SUCCESS,
                    Some(f) if f.unrestricted => {
                        self.state.sanitize.failure = None;
                        SUCCESS
                    }
                    Some(_) => SANITIZE_FAILED,
                });
            }
            5 if vers => return Ok(SUCCESS),
            2 => 1,
            3 => 2,
            4 => 0,
            _ => return Ok(INVALID_FIELD),
        };
        if self.config.sanicap & (1 << method_bit) == 0 {
            return Ok(INVALID_FIELD);
        }
        if let Some(f) = self.state.sanitize.failure {
            // After a restricted failure only a new restricted sanitize may start.
            if !f.unrestricted && ause {
                return Ok(SANITIZE_FAILED);
            }
        }
        let mut forced_deallocation = false;
        if ndas && ndi {
            if !self.config.no_dealloc_response_mode {
                return Ok(INVALID_FIELD);
            }
            forced_deallocation = true;
        }
        let deallocate = forced_deallocation || (!ndas && self.config.deallocate_after_sanitize);
        let key_generation = if sanact == 4 {
            self.state.key_generation += 1;
            self.state.key_generation
        } else {
            self.state.key_generation
        };
        self.state.sanitizes_started += 1;
        let s = &mut self.state.sanitize;
        s.operation = Some(SimSanitizeOperation {
            cdw10,
            ovrpat: cmd.cdw11,
            started_unix_ms: now_unix_ms(),
            polls: 0,
            erased_fraction: 0.0,
            deallocate,
            forced_deallocation,
            key_generation,
        });
        s.scdw10 = cdw10;
        s.status = 2;
        s.passes_completed = 0;
        s.global_data_erased = false;
        s.failure = None;
        Ok(SUCCESS)
    }

    // -----------------------------------------------------------------------------------------
    // Format NVM
    // -----------------------------------------------------------------------------------------

    fn format(&mut self, cmd: &NvmeAdminCmd) -> Result<u16, TransportError> {
        if self.config.oacs & (1 << 1) == 0 {
            return Ok(INVALID_OPCODE);
        }
        if self.state.sanitize.operation.is_some() {
            return Ok(SANITIZE_IN_PROGRESS);
        }
        if self.state.sanitize.failure.is_some() {
            return Ok(SANITIZE_FAILED);
        }
        let cdw10 = cmd.cdw10;
        if cdw10 >> 14 != 0 {
            return Ok(INVALID_FIELD);
        }
        let lbaf = ((cdw10 & 0xf) | ((cdw10 >> 12) & 0x3) << 4) as u8;
        let mset = cdw10 & (1 << 4) != 0;
        let pi = ((cdw10 >> 5) & 0x7) as u8;
        let pil = cdw10 & (1 << 8) != 0;
        let ses = ((cdw10 >> 9) & 0x7) as u8;
        let fna = self.config.fna;
        let qemu = self.is_qemu();
        if !qemu && (ses > 2 || (ses == 2 && fna & (1 << 2) == 0)) {
            return Ok(INVALID_FIELD);
        }
        let all: Vec<usize> = (0..self.namespaces.len()).collect();
        let targets: Vec<usize> = match cmd.nsid {
            NSID_ALL if !qemu && fna & (1 << 3) != 0 => return Ok(INVALID_FIELD),
            NSID_ALL => all.clone(),
            n if (1..=self.nn()).contains(&n) => {
                if !qemu && fna & 1 != 0 {
                    all.clone()
                } else {
                    vec![(n - 1) as usize]
                }
            }
            _ => return Ok(INVALID_NAMESPACE),
        };
        let Some(format) = self.config.lba_formats.get(usize::from(lbaf)).copied() else {
            return Ok(INVALID_FORMAT);
        };
        if !(9..32).contains(&format.lbads) {
            return Ok(INVALID_FORMAT);
        }
        if pi > 3 {
            return Ok(INVALID_FIELD);
        }
        if pi != 0 && (format.ms < 8 || self.config.dpc & (1 << (pi - 1)) == 0) {
            return Ok(INVALID_FORMAT);
        }
        if format.ms > 0 {
            let capable = if mset {
                self.config.mc & 1
            } else {
                self.config.mc & 2
            };
            if capable == 0 {
                return Ok(INVALID_FORMAT);
            }
        }
        // Which namespaces lose their data.
        let erase: Vec<usize> = if !qemu && ses != 0 && fna & (1 << 1) != 0 {
            all
        } else {
            targets.clone()
        };
        let knobs = self.config.knobs;
        let limit = if knobs.lying {
            0.0
        } else {
            knobs.partial_fraction.unwrap_or(1.0)
        };
        let stop = knobs.vanish_at.map_or(limit, |v| v.min(limit));
        if ses == 2 && !qemu {
            self.state.key_generation += 1;
        }
        for &i in &erase {
            let content = if ses == 2 && !qemu {
                Content::Random {
                    key: self.crypto_key(self.state.key_generation, i as u32 + 1),
                }
            } else {
                Content::Zeros
            };
            self.fill_fraction(i, 0.0, stop, content)?;
        }
        if knobs.vanish_at.is_some() {
            return Err(self.vanish());
        }
        for &i in &targets {
            self.state.namespaces[i] = SimNamespaceState {
                lbaf,
                mset,
                pi,
                pil,
            };
        }
        self.state.formats_done += 1;
        Ok(SUCCESS)
    }
}

impl NvmeTransport for SimNvmeController {
    fn admin(
        &mut self,
        cmd: &NvmeAdminCmd,
        data: DataDir<'_>,
        _timeout: Duration,
    ) -> Result<NvmeReply, TransportError> {
        if self.state.vanished || self.namespaces.iter().any(|m| m.is_gone()) {
            // Also when the block path made the medium vanish: remember it in the state.
            return Err(self.vanish());
        }
        if matches!(
            self.config.sanitize_progress,
            SanitizeProgress::WallClock { .. }
        ) {
            self.advance_sanitize()?;
        }
        let out = match cmd.opcode {
            0x06 | 0x02 => {
                // Controller-to-host transfers (opcode bits 1:0 = 10b).
                let DataDir::FromDevice(buf) = data else {
                    return Err(TransportError::InvalidRequest(format!(
                        "opcode 0x{:02x} returns data but no host buffer was given",
                        cmd.opcode
                    )));
                };
                if cmd.opcode == 0x06 {
                    if buf.len() < 4096 {
                        return Err(TransportError::InvalidRequest(format!(
                            "Identify transfers 4096 bytes; the host buffer holds {}",
                            buf.len()
                        )));
                    }
                    reply(self.identify(cmd, buf)?)
                } else {
                    reply(self.get_log_page(cmd, buf)?)
                }
            }
            0x84 if self.config.knobs.sanitize_answer_lost => Err(TransportError::Os {
                op: OP,
                errno: Errno::EIO,
            }),
            0x84 => reply(self.sanitize(cmd)?),
            0x80 => reply(self.format(cmd)?),
            _ => reply(INVALID_OPCODE),
        };
        self.sync_host_io();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn media(dir: &std::path::Path, name: &str, sectors: u64) -> Arc<SimMedia> {
        SimMedia::create(&dir.join(name), 512, sectors).unwrap()
    }

    #[test]
    fn state_round_trips_through_json_and_is_checked() {
        let dir = tempfile::tempdir().unwrap();
        let m = media(dir.path(), "a.img", 64);
        let config = NvmeSimConfig::default();
        let state = NvmeSimState::initial(&config, std::slice::from_ref(&m)).unwrap();
        let json = serde_json::to_string(&(&config, &state)).unwrap();
        let (c2, s2): (NvmeSimConfig, NvmeSimState) = serde_json::from_str(&json).unwrap();
        assert_eq!((c2.clone(), s2.clone()), (config.clone(), state.clone()));
        assert!(SimNvmeController::new(c2.clone(), s2.clone(), vec![m.clone()]).is_ok());
        assert_eq!(
            SimNvmeController::new(c2.clone(), s2.clone(), vec![m.clone(), m.clone()]).unwrap_err(),
            SimNvmeError::NamespaceCount { state: 1, media: 2 }
        );
        let mut bad = s2;
        bad.namespaces[0].lbaf = 9;
        assert!(SimNvmeController::new(c2, bad, vec![m.clone()]).is_err());
        let m4k = SimMedia::create(&dir.path().join("b.img"), 4096, 8).unwrap();
        assert_eq!(
            NvmeSimState::initial(&config, &[m4k]).unwrap().namespaces[0].lbaf,
            1
        );
    }

    #[test]
    fn content_patterns() {
        let mut b = [0u8; 8];
        Content::Pattern(0x0403_0201).fill(&mut b, 2);
        assert_eq!(b, [3, 4, 1, 2, 3, 4, 1, 2]);
        let mut r1 = [0u8; 64];
        let mut r2 = [0u8; 32];
        let key = [7u8; 32];
        Content::Random { key }.fill(&mut r1, 0);
        Content::Random { key }.fill(&mut r2, 32);
        assert_eq!(&r1[32..], &r2[..], "random content is seekable");
        assert_ne!(r1, [0u8; 64]);
    }
}
