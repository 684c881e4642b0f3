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
    Polls {
        /// Log reads until completion.
        polls: u32,
    },
    /// The operation takes `millis` of wall-clock time from the Sanitize command.
    WallClock {
        /// Duration of the operation in milliseconds.
        millis: u64,
    },
}

/// Estimated times reported in the Sanitize Status log, in seconds (`None` = not reported).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SanitizeEstimates {
    /// ETOD, bytes 11:8: Overwrite estimate (NVMe Base 2.0, Sanitize Status log).
    pub overwrite: Option<u32>,
    /// ETBE, bytes 15:12: Block Erase estimate.
    pub block_erase: Option<u32>,
    /// ETCE, bytes 19:16: Crypto Erase estimate.
    pub crypto_erase: Option<u32>,
    /// ETOND, bytes 23:20: Overwrite estimate with No-Deallocate.
    pub overwrite_no_dealloc: Option<u32>,
    /// ETBEND, bytes 27:24: Block Erase estimate with No-Deallocate.
    pub block_erase_no_dealloc: Option<u32>,
    /// ETCEND, bytes 31:28: Crypto Erase estimate with No-Deallocate.
    pub crypto_erase_no_dealloc: Option<u32>,
}

/// The figures of the SMART / Health log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimHealth {
    /// Byte 0, Critical Warning (bit 0 spare, 1 temperature, 2 reliability, 3 read-only...).
    pub critical_warning: u8,
    /// Bytes 2:1, Composite Temperature in kelvin.
    pub temperature_kelvin: u16,
    /// Byte 3, Available Spare (percent).
    pub available_spare: u8,
    /// Byte 4, Available Spare Threshold (percent).
    pub available_spare_threshold: u8,
    /// Byte 5, Percentage Used (vendor estimate of life used; may exceed 100).
    pub percentage_used: u8,
    /// Bytes 47:32, Data Units Read (thousands of 512-byte units).
    pub data_units_read: u128,
    /// Bytes 63:48, Data Units Written (thousands of 512-byte units).
    pub data_units_written: u128,
    /// Bytes 127:112, Power Cycles.
    pub power_cycles: u128,
    /// Bytes 143:128, Power On Hours.
    pub power_on_hours: u128,
    /// Bytes 159:144, Unsafe Shutdowns.
    pub unsafe_shutdowns: u128,
    /// Bytes 175:160, Media and Data Integrity Errors.
    pub media_errors: u128,
    /// Bytes 191:176, Number of Error Information Log Entries.
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
    /// An LBA format of ms metadata bytes, 2^lbads data bytes and relative performance rp.
    pub const fn new(ms: u16, lbads: u8, rp: u8) -> Self {
        SimLbaFormat { ms, lbads, rp }
    }
}

/// What the controller is: identity, capabilities, behaviour. Does not change while it runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NvmeSimConfig {
    /// Whose behaviour the model follows where controllers differ.
    pub personality: NvmePersonality,
    /// Identify Controller VID, bytes 1:0: PCI vendor id (1B36h for QEMU).
    pub vid: u16,
    /// SSVID, bytes 3:2: PCI subsystem vendor id.
    pub ssvid: u16,
    /// SN, bytes 23:4.
    pub serial: String,
    /// MN, bytes 63:24.
    pub model: String,
    /// FR, bytes 71:64.
    pub firmware: String,
    /// VER: major << 16 | minor << 8 | tertiary.
    pub version: u32,
    /// OACS, bytes 257:256: optional admin commands (bit 1 Format NVM).
    pub oacs: u16,
    /// FRMW, byte 260: firmware update capabilities (reported only).
    pub frmw: u8,
    /// LPA, byte 261: log page attributes (bit 0 SMART log per namespace).
    pub lpa: u8,
    /// SANICAP, bytes 331:328: bit 0 Crypto Erase, 1 Block Erase, 2 Overwrite, 29 NDI, 31:30
    /// NODMMAS; 0: no Sanitize command.
    pub sanicap: u32,
    /// FNA, byte 524: bit 0 format and bit 1 secure erase apply to all namespaces, bit 2 crypto
    /// erase supported in Format NVM.
    pub fna: u8,
    /// ONCS, bytes 521:520: optional NVM commands (bit 2 Dataset Management, bit 3 Write Zeroes).
    pub oncs: u16,
    /// VWC, byte 525: bit 0 volatile write cache present.
    pub vwc: u8,
    /// Identify Namespace MC and DPC (metadata and protection capabilities).
    pub mc: u8,
    /// Identify Namespace DPC, byte 28: which protection types the namespace supports.
    pub dpc: u8,
    /// LBA formats offered by every namespace (1..=64).
    pub lba_formats: Vec<SimLbaFormat>,
    /// How a running sanitize advances.
    pub sanitize_progress: SanitizeProgress,
    /// The estimates of the Sanitize Status log.
    pub estimates: SanitizeEstimates,
    /// Whether the controller deallocates after a sanitize without NDAS (the spec's "should").
    pub deallocate_after_sanitize: bool,
    /// Set Features Sanitize Config NODRM: with SANICAP.NDI, a Sanitize with NDAS is accepted
    /// (and deallocates anyway, SSTAT = 4) instead of being refused with Invalid Field.
    pub no_dealloc_response_mode: bool,
    /// The contents of the SMART / Health Information log (LID 02h).
    pub health: SimHealth,
    /// Failures and lies the controller is asked to commit.
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
