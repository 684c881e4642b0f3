//! What a simulated NVMe controller is: identity, capabilities, LBA formats and knobs.

use serde::{Deserialize, Serialize};

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
