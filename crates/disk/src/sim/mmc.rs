//! A simulated eMMC (card plus the kernel's MMC ioctl path): answers raw MMC commands the way
//! Linux and a card would.
//!
//! It decodes every argument itself (JEDEC JESD84-B51 as summarised in docs/standards.md §4 and
//! mmc-utils `mmc.h`), independently of [`crate::mmc`]'s encoders.
//!
//! What it models:
//! - CMD8 SEND_EXT_CSD with configurable SEC_FEATURE_SUPPORT, ERASED_MEM_CONT, erase group size
//!   and timeout multipliers; SEC_COUNT from the medium.
//! - CMD6 SWITCH: index 165 (SANITIZE_START) takes the kernel's path — refused with EOPNOTSUPP
//!   unless SEC_SANITIZE, EBADMSG when the card reports SWITCH_ERROR, no response copied back;
//!   ERASE_GROUP_DEF (175) is writable; any other index, or the command-set access mode, sets
//!   SWITCH_ERROR.
//! - CMD35 / CMD36 / CMD38 with the six arguments, the erase sequence rules (ERASE_SEQ_ERROR,
//!   ERASE_RESET when another command interrupts it, OUT_OF_RANGE, ERASE_PARAM), write-protected
//!   ranges (WP_ERASE_SKIP), erase-group widening for erase and secure erase.
//! - CMD13 with the RCA checked; error bits follow the card's rules: response-phase errors come
//!   back in the command's own response, execution-phase errors (ERASE_PARAM, WP_ERASE_SKIP,
//!   SWITCH_ERROR, ILLEGAL_COMMAND...) in the next response, and are cleared once reported.
//!   With `host_polls_busy` the kernel's own CMD13 busy polling after an R1b command consumes
//!   them, as on hosts without hardware busy detection.
//! - An unknown command gets no response (the kernel returns ETIMEDOUT) and sets
//!   ILLEGAL_COMMAND. A CMD38 variant the card does not advertise (secure erase without
//!   SECURE_ER_EN, trim or secure trim without SEC_GB_CL_EN, discard before eMMC 4.5) is not
//!   executed and sets ILLEGAL_COMMAND for the next response; cards differ here, the model
//!   only promises an error bit.
//!
//! The erase model — what the host reads afterwards, and what a forensic lab might still find
//! (`residue`):
//! - ERASE and TRIM: the range reads as ERASED_MEM_CONT (0x00 or 0xFF); it becomes *unmapped*
//!   and old copies may remain physically (residue).
//! - DISCARD: contents undefined — the model keeps the old data readable (which is why discard
//!   is not an erase); the range becomes unmapped, with residue.
//! - SECURE ERASE, SECURE TRIM step 1 then step 2: the range reads as ERASED_MEM_CONT with no
//!   residue. Step 1 only marks blocks; step 2 purges every marked block (its own range is
//!   not used).
//! - SANITIZE purges the unmapped ranges: erased/trimmed ranges lose their residue, discarded
//!   ranges are erased (unless `discard_survives_sanitize`, modelling the JEDEC caveat that
//!   sanitize cannot guarantee discarded data is removed). Mapped data is untouched, so
//!   sanitize alone erases nothing the host can read, and the rule is: **a full-device erase or
//!   trim (or discard) followed by sanitize leaves the whole medium reading ERASED_MEM_CONT
//!   (zeros by default) with no residue**. A sector of an erased/trimmed range that no longer
//!   reads as ERASED_MEM_CONT was rewritten by the host through the block path (which this
//!   model does not see), so sanitize treats it as mapped again and keeps it.
//!
//! [`MmcSimConfig`] and [`MmcSimState`] are separate serde structures (state persisted as JSON
//! between processes).

use std::sync::Arc;

use nix::errno::Errno;
use serde::{Deserialize, Serialize};

use crate::sim::media::SimMedia;
use crate::transport::{DataDir, MmcCmd, MmcReply, MmcTransport, TransportError};

const OP: &str = "MMC_IOC_CMD";

// R1 bits, written out here rather than taken from crate::mmc.
const OUT_OF_RANGE: u32 = 1 << 31;
const ERASE_SEQ_ERROR: u32 = 1 << 28;
const ERASE_PARAM: u32 = 1 << 27;
const ILLEGAL_COMMAND: u32 = 1 << 22;
const GENERIC_ERROR: u32 = 1 << 19;
const WP_ERASE_SKIP: u32 = 1 << 15;
const ERASE_RESET: u32 = 1 << 13;
const READY_FOR_DATA: u32 = 1 << 8;
const SWITCH_ERROR: u32 = 1 << 7;
const STATE_TRAN: u32 = 4 << 9;

const RSP_PRESENT: u32 = 1 << 0;
const RSP_BUSY: u32 = 1 << 3;
const CMD_ADTC: u32 = 1 << 5;
const CMD_TYPE_MASK: u32 = 3 << 5;

/// Misbehaviours a test can ask for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct MmcKnobs {
    /// Sanitize and CMD38 report success but change nothing.
    #[serde(default)]
    pub lying: bool,
    /// Sanitize and CMD38 act on this leading fraction of their range only, and report success.
    #[serde(default)]
    pub partial_fraction: Option<f64>,
    /// The card reports SWITCH_ERROR for sanitize (the kernel turns it into EBADMSG).
    #[serde(default)]
    pub sanitize_fails: bool,
    /// CMD38 does nothing and sets the generic ERROR bit.
    #[serde(default)]
    pub erase_fails: bool,
    /// The card vanishes once a sanitize or CMD38 has covered this fraction of its range.
    #[serde(default)]
    pub vanish_at: Option<f64>,
    /// CMD8 SEND_EXT_CSD times out (a host controller or card that does not pass it): the
    /// card's hardware partitions cannot be read, nor its erase features.
    #[serde(default)]
    pub ext_csd_unreadable: bool,
}

/// What the card is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MmcSimConfig {
    /// 8 = eMMC 5.1, 6 = 4.5, 5 = 4.41.
    pub ext_csd_rev: u8,
    /// Bit 0 SECURE_ER_EN, 2 SEC_BD_BLK_EN, 4 SEC_GB_CL_EN, 6 SEC_SANITIZE.
    pub sec_feature_support: u8,
    /// 0: erased memory reads 0x00; 1: 0xFF.
    pub erased_mem_cont: u8,
    /// Erase group in units of 512 KiB (1024 sectors) when ERASE_GROUP_DEF is 1.
    pub hc_erase_grp_size: u8,
    /// Erase group in sectors when ERASE_GROUP_DEF is 0 (the CSD value).
    pub legacy_erase_group_sectors: u32,
    /// EXT_CSD byte 221, HC_WP_GRP_SIZE (JESD84-B51): write-protect group size in erase groups.
    pub hc_wp_grp_size: u8,
    /// EXT_CSD byte 223, ERASE_TIMEOUT_MULT: 300 ms per erase group for ERASE.
    pub erase_timeout_mult: u8,
    /// EXT_CSD byte 232, TRIM_MULT: 300 ms per group for TRIM and DISCARD.
    pub trim_mult: u8,
    /// EXT_CSD byte 229, SEC_TRIM_MULT: the secure trim timeout factor.
    pub sec_trim_mult: u8,
    /// EXT_CSD byte 230, SEC_ERASE_MULT: the secure erase timeout factor.
    pub sec_erase_mult: u8,
    /// Relative card address: CMD13 with another RCA gets no answer (Linux gives an eMMC RCA 1).
    pub rca: u16,
    /// Byte addresses in CMD35/36 (cards of 2 GB or less) instead of sector numbers.
    pub byte_addressed: bool,
    /// Write-protected sector ranges `[start, end)`: erases skip them (WP_ERASE_SKIP).
    #[serde(default)]
    pub write_protected: Vec<[u64; 2]>,
    /// The kernel polls CMD13 after R1b commands and thereby clears execution-phase error bits
    /// before user space can read them.
    #[serde(default)]
    pub host_polls_busy: bool,
    /// Sanitize leaves discarded ranges as they are.
    #[serde(default)]
    pub discard_survives_sanitize: bool,
    /// How the card's erase and sanitize misbehave.
    #[serde(default)]
    pub knobs: MmcKnobs,
    /// BOOT_SIZE_MULT (each boot partition ×128 KiB), GP_SIZE_MULT of GP1..4 and
    /// RPMB_SIZE_MULT as EXT_CSD reports them. The model keeps no data in these areas; they
    /// exist so that the engine must account for them.
    #[serde(default)]
    pub boot_size_mult: u8,
    /// EXT_CSD bytes 143–154, GP_SIZE_MULT of the four general-purpose partitions.
    #[serde(default)]
    pub gp_size_mult: [u32; 4],
    /// EXT_CSD byte 168, RPMB_SIZE_MULT (× 128 KiB).
    #[serde(default)]
    pub rpmb_size_mult: u8,
}

impl Default for MmcSimConfig {
    /// An eMMC 5.1 with secure erase, trim and sanitize (SEC_FEATURE_SUPPORT 0x55), erased
    /// memory reading zeros, 512 KiB erase groups.
    fn default() -> Self {
        MmcSimConfig {
            ext_csd_rev: 8,
            sec_feature_support: 0x55,
            erased_mem_cont: 0,
            hc_erase_grp_size: 1,
            legacy_erase_group_sectors: 32,
            hc_wp_grp_size: 1,
            erase_timeout_mult: 1,
            trim_mult: 1,
            sec_trim_mult: 2,
            sec_erase_mult: 2,
            rca: 1,
            byte_addressed: false,
            write_protected: Vec::new(),
            host_polls_busy: false,
            discard_survives_sanitize: false,
            knobs: MmcKnobs::default(),
            boot_size_mult: 0,
            gp_size_mult: [0; 4],
            rpmb_size_mult: 0,
        }
    }
}

/// Sorted, disjoint, half-open sector ranges.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SectorRanges(Vec<[u64; 2]>);

impl SectorRanges {
    /// The ranges, as [start, end) pairs in ascending order.
    pub fn ranges(&self) -> &[[u64; 2]] {
        &self.0
    }

    /// Whether no sector is covered.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Number of sectors covered.
    pub fn total(&self) -> u64 {
        self.0.iter().map(|[a, b]| b - a).sum()
    }

    /// Whether sector lies in one of the ranges.
    pub fn contains(&self, sector: u64) -> bool {
        self.0.iter().any(|&[a, b]| a <= sector && sector < b)
    }

    /// Adds [start, end), merging it with the ranges it touches or overlaps.
    pub fn insert(&mut self, start: u64, end: u64) {
        if start >= end {
            return;
        }
        let (mut s, mut e) = (start, end);
        let mut out = Vec::with_capacity(self.0.len() + 1);
        for &[a, b] in &self.0 {
            if b < s || a > e {
                out.push([a, b]);
            } else {
                s = s.min(a);
                e = e.max(b);
            }
        }
        out.push([s, e]);
        out.sort_unstable();
        self.0 = out;
    }

    /// Takes [start, end) out, splitting a range that straddles it.
    pub fn remove(&mut self, start: u64, end: u64) {
        if start >= end {
            return;
        }
        let mut out = Vec::with_capacity(self.0.len() + 1);
        for &[a, b] in &self.0 {
            if b <= start || a >= end {
                out.push([a, b]);
                continue;
            }
            if a < start {
                out.push([a, start]);
            }
            if b > end {
                out.push([end, b]);
            }
        }
        self.0 = out;
    }

    /// The parts of `[start, end)` not covered by these ranges.
    fn gaps_within(&self, start: u64, end: u64) -> Vec<[u64; 2]> {
        let mut rest = SectorRanges(vec![[start, end]]);
        for &[a, b] in &self.0 {
            rest.remove(a, b);
        }
        rest.0
    }
}

/// What happened to the card.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MmcSimState {
    /// EXT_CSD[175], as last written by SWITCH.
    pub erase_group_def: u8,
    /// The erase sequence under construction (sector numbers).
    pub erase_start: Option<u64>,
    /// Set by ERASE_GROUP_END (CMD36); CMD38 needs both ends.
    pub erase_end: Option<u64>,
    /// Error bits waiting for the next response.
    pub pending_status: u32,
    /// Erased, trimmed or discarded ranges (unmapped).
    pub unmapped: SectorRanges,
    /// Unmapped ranges whose old data the host can still read (discarded).
    pub discarded: SectorRanges,
    /// Ranges whose old data may still be physically present on the flash.
    pub residue: SectorRanges,
    /// Blocks marked by secure trim step 1.
    pub secure_trim_marked: SectorRanges,
    /// SANITIZE_START operations the card has run (lying ones included).
    pub sanitizes: u32,
    /// CMD38 erases the card has accepted (lying ones included).
    pub erases: u32,
    /// The card has disappeared; it stays gone when the state is reloaded.
    pub vanished: bool,
}

impl MmcSimState {
    /// The state at power on: ERASE_GROUP_DEF set when the card has high-capacity erase groups.
    pub fn initial(config: &MmcSimConfig) -> Self {
        MmcSimState {
            erase_group_def: u8::from(config.hc_erase_grp_size != 0),
            ..Default::default()
        }
    }
}

/// A configuration that does not fit the medium.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SimMmcError {
    /// eMMC sectors are 512 bytes; the medium's size is in the field.
    #[error("an eMMC medium has 512-byte sectors, not {0}")]
    SectorSize(u32),
    /// SEC_COUNT is 32 bits; the medium's sector count is in the field.
    #[error("{0} sectors do not fit SEC_COUNT")]
    TooLarge(u64),
}

/// The simulated card; implements [`MmcTransport`].
#[derive(Debug)]
pub struct SimEmmc {
    config: MmcSimConfig,
    state: MmcSimState,
    media: Arc<SimMedia>,
}

/// A command's answer before the status rules are applied.
struct Outcome {
    /// Errors reported in this command's own response.
    response_bits: u32,
    /// Errors found while executing, reported by the next response.
    execution_bits: u32,
}

impl Outcome {
    fn ok() -> Self {
        Outcome {
            response_bits: 0,
            execution_bits: 0,
        }
    }
    fn response(bits: u32) -> Self {
        Outcome {
            response_bits: bits,
            execution_bits: 0,
        }
    }
    fn execution(bits: u32) -> Self {
        Outcome {
            response_bits: 0,
            execution_bits: bits,
        }
    }
}

fn timeout() -> TransportError {
    TransportError::Timeout { op: OP }
}

impl SimEmmc {
    /// A card in the given state over media (512-byte sectors, at most 2^32 − 1 of them).
    pub fn new(
        config: MmcSimConfig,
        state: MmcSimState,
        media: Arc<SimMedia>,
    ) -> Result<Self, SimMmcError> {
        if media.sector_size() != 512 {
            return Err(SimMmcError::SectorSize(media.sector_size()));
        }
        if media.native_sectors() > u64::from(u32::MAX) {
            return Err(SimMmcError::TooLarge(media.native_sectors()));
        }
        if state.vanished {
            media.vanish();
        }
        Ok(SimEmmc {
            config,
            state,
            media,
        })
    }

    /// A card in its power-on state.
    pub fn fresh(config: MmcSimConfig, media: Arc<SimMedia>) -> Result<Self, SimMmcError> {
        let state = MmcSimState::initial(&config);
        Self::new(config, state, media)
    }

    /// What the card is.
    pub fn config(&self) -> &MmcSimConfig {
        &self.config
    }

    /// What has happened to the card.
    pub fn state(&self) -> &MmcSimState {
        &self.state
    }

    /// The medium behind the card, shared with its block device.
    pub fn media(&self) -> &Arc<SimMedia> {
        &self.media
    }

    fn sec_count(&self) -> u64 {
        self.media.native_sectors()
    }

    fn erased_byte(&self) -> u8 {
        if self.config.erased_mem_cont & 1 != 0 {
            0xFF
        } else {
            0x00
        }
    }

    fn group_sectors(&self) -> u64 {
        if self.state.erase_group_def & 1 != 0 && self.config.hc_erase_grp_size != 0 {
            u64::from(self.config.hc_erase_grp_size) * 1024
        } else {
            u64::from(self.config.legacy_erase_group_sectors.max(1))
        }
    }

    fn ext_csd(&self) -> [u8; 512] {
        let c = &self.config;
        let mut b = [0u8; 512];
        b[160] = 0x07; // PARTITIONING_SUPPORT
        b[175] = self.state.erase_group_def;
        b[181] = c.erased_mem_cont;
        b[192] = c.ext_csd_rev;
        b[212..216].copy_from_slice(&(self.sec_count() as u32).to_le_bytes());
        b[221] = c.hc_wp_grp_size;
        b[223] = c.erase_timeout_mult;
        b[224] = c.hc_erase_grp_size;
        b[229] = c.sec_trim_mult;
        b[230] = c.sec_erase_mult;
        b[231] = c.sec_feature_support;
        b[232] = c.trim_mult;
        b[226] = c.boot_size_mult;
        b[168] = c.rpmb_size_mult;
        for (i, m) in c.gp_size_mult.iter().enumerate() {
            b[143 + 3 * i..146 + 3 * i].copy_from_slice(&m.to_le_bytes()[..3]);
        }
        b[155] = u8::from(c.gp_size_mult.iter().any(|&m| m != 0));
        b
    }

    fn vanish(&mut self) -> TransportError {
        self.media.vanish();
        self.state.vanished = true;
        TransportError::DeviceGone {
            op: OP,
            errno: Errno::ENODEV,
        }
    }

    fn media_error(e: crate::block::BlockError) -> TransportError {
        if e.is_gone() {
            TransportError::DeviceGone {
                op: OP,
                errno: Errno::ENODEV,
            }
        } else {
            TransportError::Os {
                op: OP,
                errno: Errno::EIO,
            }
        }
    }

    fn fill_erased(&self, start: u64, end: u64) -> Result<(), TransportError> {
        if end > start {
            let byte = self.erased_byte();
            self.media
                .fill_sectors(start, end - start, |chunk, _| chunk.fill(byte))
                .map_err(Self::media_error)?;
        }
        Ok(())
    }

    fn sector_address(&self, arg: u32) -> u64 {
        if self.config.byte_addressed {
            u64::from(arg) / 512
        } else {
            u64::from(arg)
        }
    }

    // -----------------------------------------------------------------------------------------
    // CMD6
    // -----------------------------------------------------------------------------------------

    fn switch(&mut self, arg: u32) -> Outcome {
        let access = (arg >> 24) & 0x3;
        let index = (arg >> 16) & 0xff;
        let value = ((arg >> 8) & 0xff) as u8;
        if index != 175 || access == 0 {
            return Outcome::execution(SWITCH_ERROR);
        }
        let cur = self.state.erase_group_def;
        let new = match access {
            1 => cur | value,
            2 => cur & !value,
            _ => value,
        };
        // Only bit 0 of ERASE_GROUP_DEF is writable.
        if new & !1 != 0 {
            return Outcome::execution(SWITCH_ERROR);
        }
        self.state.erase_group_def = new;
        Outcome::ok()
    }

    /// The kernel's `mmc_sanitize()`: refused unless SEC_SANITIZE, EBADMSG on SWITCH_ERROR, and
    /// its own CMD13 consumes the status bits.
    fn kernel_sanitize(&mut self) -> Result<MmcReply, TransportError> {
        if self.config.sec_feature_support & (1 << 6) == 0 {
            return Err(TransportError::Refused {
                op: OP,
                errno: Errno::EOPNOTSUPP,
            });
        }
        self.state.pending_status = 0;
        let knobs = self.config.knobs;
        if knobs.sanitize_fails {
            return Err(TransportError::Os {
                op: OP,
                errno: Errno::EBADMSG,
            });
        }
        if !knobs.lying {
            self.sanitize()?;
        }
        self.state.sanitizes += 1;
        Ok(MmcReply::default())
    }

    fn sanitize(&mut self) -> Result<(), TransportError> {
        let knobs = self.config.knobs;
        let mut targets = self.state.unmapped.clone();
        if self.config.discard_survives_sanitize {
            for &[a, b] in self.state.discarded.ranges() {
                targets.remove(a, b);
            }
        }
        let total = targets.total();
        let limit = knobs.partial_fraction.unwrap_or(1.0);
        let stop = knobs.vanish_at.map_or(limit, |v| v.min(limit));
        let mut budget = (total as f64 * stop.clamp(0.0, 1.0)).floor() as u64;
        for &[a, b] in targets.ranges() {
            if budget == 0 {
                break;
            }
            let end = b.min(a + budget);
            budget -= end - a;
            self.sanitize_range(a, end)?;
        }
        if knobs.vanish_at.is_some() {
            return Err(self.vanish());
        }
        Ok(())
    }

    /// Purges `[a, b)` of the unmapped space.
    fn sanitize_range(&mut self, a: u64, b: u64) -> Result<(), TransportError> {
        let erased = self.erased_byte();
        let mut sector = vec![0u8; 512];
        for s in a..b {
            if self.state.discarded.contains(s) {
                // Old data was still there: now it is gone.
                self.fill_erased(s, s + 1)?;
                self.state.discarded.remove(s, s + 1);
            } else {
                self.media
                    .read_native(s * 512, &mut sector)
                    .map_err(Self::media_error)?;
                if sector.iter().any(|&x| x != erased) {
                    // Rewritten by the host since it was unmapped: mapped data, kept.
                    self.state.unmapped.remove(s, s + 1);
                }
            }
            self.state.residue.remove(s, s + 1);
        }
        Ok(())
    }

    // -----------------------------------------------------------------------------------------
    // CMD35 / CMD36 / CMD38
    // -----------------------------------------------------------------------------------------

    fn kind_supported(&self, arg: u32) -> Option<bool> {
        let f = self.config.sec_feature_support;
        let secure = f & 1 != 0;
        let trim = f & (1 << 4) != 0;
        Some(match arg {
            0x0000_0000 => true,
            0x0000_0001 => trim,
            0x0000_0003 => self.config.ext_csd_rev >= 6,
            0x8000_0000 => secure,
            0x8000_0001 | 0x8000_8000 => secure && trim,
            _ => return None,
        })
    }

    fn erase(&mut self, arg: u32) -> Result<Outcome, TransportError> {
        let (Some(start), Some(end)) = (self.state.erase_start.take(), self.state.erase_end.take())
        else {
            self.state.erase_start = None;
            self.state.erase_end = None;
            return Ok(Outcome::response(ERASE_SEQ_ERROR));
        };
        match self.kind_supported(arg) {
            None => return Ok(Outcome::execution(ERASE_PARAM)),
            Some(false) => return Ok(Outcome::execution(ILLEGAL_COMMAND)),
            Some(true) => {}
        }
        if end < start {
            return Ok(Outcome::execution(ERASE_PARAM));
        }
        let knobs = self.config.knobs;
        if knobs.erase_fails {
            return Ok(Outcome::execution(GENERIC_ERROR));
        }
        self.state.erases += 1;
        if knobs.lying {
            return Ok(Outcome::ok());
        }
        // Erase and secure erase act on the whole groups holding both ends.
        let (a, b) = if arg == 0 || arg == 0x8000_0000 {
            let g = self.group_sectors();
            (start / g * g, ((end / g + 1) * g).min(self.sec_count()))
        } else {
            (start, end + 1)
        };
        let limit = knobs.partial_fraction.unwrap_or(1.0);
        let stop = knobs.vanish_at.map_or(limit, |v| v.min(limit));
        let b_eff = a + ((b - a) as f64 * stop.clamp(0.0, 1.0)).floor() as u64;

        let mut wp = SectorRanges::default();
        for &[x, y] in &self.config.write_protected {
            wp.insert(x, y);
        }
        let pieces = wp.gaps_within(a, b_eff);
        let skipped = pieces.iter().map(|[x, y]| y - x).sum::<u64>() < b_eff - a;
        if arg == 0x8000_8000 {
            // Step 2 purges what step 1 marked.
            let marked = std::mem::take(&mut self.state.secure_trim_marked);
            for &[x, y] in marked.ranges() {
                self.purge(x, y)?;
            }
        } else {
            for &[x, y] in &pieces {
                match arg {
                    0x0000_0000 | 0x0000_0001 => {
                        self.fill_erased(x, y)?;
                        self.state.unmapped.insert(x, y);
                        self.state.residue.insert(x, y);
                        self.state.discarded.remove(x, y);
                    }
                    0x0000_0003 => {
                        self.state.unmapped.insert(x, y);
                        self.state.discarded.insert(x, y);
                        self.state.residue.insert(x, y);
                    }
                    0x8000_0000 => self.purge(x, y)?,
                    _ => self.state.secure_trim_marked.insert(x, y),
                }
            }
        }
        if knobs.vanish_at.is_some() {
            return Err(self.vanish());
        }
        Ok(if skipped {
            Outcome::execution(WP_ERASE_SKIP)
        } else {
            Outcome::ok()
        })
    }

    fn purge(&mut self, a: u64, b: u64) -> Result<(), TransportError> {
        self.fill_erased(a, b)?;
        self.state.unmapped.insert(a, b);
        self.state.residue.remove(a, b);
        self.state.discarded.remove(a, b);
        Ok(())
    }

    fn erase_address(&mut self, arg: u32, is_start: bool) -> Outcome {
        let sector = self.sector_address(arg);
        if !is_start && self.state.erase_start.is_none() {
            return Outcome::response(ERASE_SEQ_ERROR);
        }
        if sector >= self.sec_count() {
            self.state.erase_start = None;
            self.state.erase_end = None;
            return Outcome::response(OUT_OF_RANGE);
        }
        if is_start {
            self.state.erase_start = Some(sector);
            self.state.erase_end = None;
        } else {
            self.state.erase_end = Some(sector);
        }
        Outcome::ok()
    }

    // -----------------------------------------------------------------------------------------
    // Dispatch
    // -----------------------------------------------------------------------------------------

    fn one(&mut self, cmd: &MmcCmd, data: DataDir<'_>) -> Result<MmcReply, TransportError> {
        if self.state.vanished || self.media.is_gone() {
            // Also when the block path made the medium vanish: remember it in the state.
            return Err(self.vanish());
        }
        let data_bytes = cmd.blksz as usize * cmd.blocks as usize;
        if cmd.opcode == 6 && (cmd.arg >> 16) & 0xff == 165 {
            // Intercepted by the kernel before the card sees it, whatever the access and value.
            self.state.erase_start = None;
            self.state.erase_end = None;
            return self.kernel_sanitize();
        }
        if !matches!(cmd.opcode, 13 | 35 | 36 | 38) && self.state.erase_start.is_some() {
            self.state.erase_start = None;
            self.state.erase_end = None;
            self.state.pending_status |= ERASE_RESET;
        }
        let outcome = match cmd.opcode {
            8 if self.config.knobs.ext_csd_unreadable => return Err(timeout()),
            8 => {
                let DataDir::FromDevice(buf) = data else {
                    return Err(timeout());
                };
                if cmd.flags & CMD_TYPE_MASK != CMD_ADTC || data_bytes != 512 || buf.len() < 512 {
                    // The host and the card disagree on the data phase: it times out.
                    return Err(timeout());
                }
                buf[..512].copy_from_slice(&self.ext_csd());
                Outcome::ok()
            }
            _ if data_bytes != 0 => return Err(timeout()),
            6 => self.switch(cmd.arg),
            13 => {
                if cmd.arg >> 16 != u32::from(self.config.rca) {
                    // No card has that address: nobody answers.
                    return Err(timeout());
                }
                Outcome::ok()
            }
            35 => self.erase_address(cmd.arg, true),
            36 => self.erase_address(cmd.arg, false),
            38 => self.erase(cmd.arg)?,
            _ => {
                self.state.pending_status |= ILLEGAL_COMMAND;
                return Err(timeout());
            }
        };
        let status =
            STATE_TRAN | READY_FOR_DATA | self.state.pending_status | outcome.response_bits;
        // Error bits are cleared once reported; execution errors wait for the next response.
        self.state.pending_status = outcome.execution_bits;
        if cmd.flags & RSP_BUSY != 0 && self.config.host_polls_busy {
            self.state.pending_status = 0;
        }
        let mut reply = MmcReply::default();
        if cmd.flags & RSP_PRESENT != 0 {
            reply.response[0] = status;
        }
        Ok(reply)
    }
}

impl MmcTransport for SimEmmc {
    fn execute(&mut self, cmd: &MmcCmd, data: DataDir<'_>) -> Result<MmcReply, TransportError> {
        if cmd.is_acmd {
            self.state.pending_status |= ILLEGAL_COMMAND;
            return Err(timeout());
        }
        self.one(cmd, data)
    }

    fn execute_sequence(&mut self, cmds: &[MmcCmd]) -> Result<Vec<MmcReply>, TransportError> {
        if cmds.is_empty() || cmds.len() > 255 {
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
        // The kernel stops at the first command that fails.
        cmds.iter()
            .map(|c| self.execute(c, DataDir::None))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sector_ranges() {
        let mut r = SectorRanges::default();
        r.insert(10, 20);
        r.insert(30, 40);
        r.insert(20, 30);
        assert_eq!(r.ranges(), &[[10, 40]]);
        r.remove(15, 25);
        assert_eq!(r.ranges(), &[[10, 15], [25, 40]]);
        assert_eq!(r.total(), 20);
        assert!(r.contains(10) && !r.contains(15) && r.contains(39) && !r.contains(40));
        r.insert(0, 5);
        assert_eq!(r.ranges(), &[[0, 5], [10, 15], [25, 40]]);
        assert_eq!(r.gaps_within(0, 50), vec![[5, 10], [15, 25], [40, 50]]);
        r.remove(0, 100);
        assert!(r.is_empty());
        r.insert(5, 5);
        assert!(r.is_empty());
    }

    #[test]
    fn state_round_trips_through_json() {
        let mut s = MmcSimState::initial(&MmcSimConfig::default());
        s.unmapped.insert(0, 8);
        s.pending_status = ERASE_PARAM;
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(serde_json::from_str::<MmcSimState>(&json).unwrap(), s);
        let c = MmcSimConfig::default();
        let json = serde_json::to_string(&c).unwrap();
        assert_eq!(serde_json::from_str::<MmcSimConfig>(&json).unwrap(), c);
    }
}
