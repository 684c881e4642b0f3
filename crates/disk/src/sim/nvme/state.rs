//! What happened to a simulated NVMe controller: namespace formats, sanitize status, key
//! generations; and the error when a configuration and a state do not fit together.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::super::media::SimMedia;
use super::NvmeSimConfig;

/// Per-namespace format settings.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimNamespaceState {
    /// Format NVM LBAF: index of the LBA format in use (FLBAS of Identify Namespace).
    pub lbaf: u8,
    /// Format NVM MSET: metadata transferred at the end of each LBA (FLBAS bit 4).
    pub mset: bool,
    /// Format NVM PI: protection information type (DPS bits 2:0), 0 for none.
    pub pi: u8,
    /// Format NVM PIL: protection information in the first bytes of metadata (DPS bit 3).
    pub pil: bool,
}

/// A sanitize operation under way.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimSanitizeOperation {
    /// CDW10 of the Sanitize command (SANACT, AUSE, OWPASS, OIPBP, NDAS); the log's SCDW10.
    pub cdw10: u32,
    /// CDW11, the overwrite pattern.
    pub ovrpat: u32,
    /// Wall-clock start, for SanitizeProgress::WallClock.
    pub started_unix_ms: u64,
    /// Sanitize Status log reads since the start.
    pub polls: u32,
    /// Leading fraction of every namespace already written.
    pub erased_fraction: f64,
    /// Whether the operation ends by deallocating (zeros), and whether that deallocation
    /// overrides an NDAS request (SSTAT 4).
    pub deallocate: bool,
    /// The deallocation overrides NDAS (SANICAP NDI, or NODRM accepted the command), so the log
    /// reports SSTAT 4.
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
    /// SSTAT bits 7:3, overwrite passes completed.
    pub passes_completed: u8,
    /// SSTAT bit 8, Global Data Erased: set by a successful sanitize (no user data written since).
    pub global_data_erased: bool,
    /// SCDW10: CDW10 of the Sanitize that started the most recent operation.
    pub scdw10: u32,
    /// The operation under way (SSTAT 2), if any.
    pub operation: Option<SimSanitizeOperation>,
    /// The sanitize failure state: set by a failed sanitize, left when another sanitize starts
    /// or Exit Failure Mode is accepted; media access commands fail meanwhile.
    pub failure: Option<SimSanitizeFailure>,
}

/// Everything that changes while the controller runs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NvmeSimState {
    /// Format settings of each namespace, NSID 1 first.
    pub namespaces: Vec<SimNamespaceState>,
    /// The Sanitize Status log and the operation behind it.
    pub sanitize: SimSanitizeState,
    /// Crypto-erase key generations used so far (each crypto erase picks a new key).
    pub key_generation: u64,
    /// The controller has disappeared; it stays gone when the state is reloaded.
    pub vanished: bool,
    /// Counters, for tests and reports.
    pub sanitizes_started: u32,
    /// Format NVM commands completed.
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
    /// The configuration offers no LBA format, or more than 64 (NLBAF is 0-based and at most 63).
    #[error("the controller needs 1 to 64 LBA formats, not {0}")]
    LbaFormats(usize),
    /// The state lists a different number of namespaces than media were given.
    #[error("the state describes {state} namespaces, {media} media were given")]
    NamespaceCount {
        /// Namespaces in the state.
        state: usize,
        /// Media given.
        media: usize,
    },
    /// A namespace's LBA format index is beyond the configured formats.
    #[error("namespace {nsid}: LBA format {lbaf} does not exist")]
    UnknownFormat {
        /// The namespace.
        nsid: u32,
        /// The LBA format index it claims.
        lbaf: u8,
    },
    /// No metadata-free LBA format has the medium's sector size.
    #[error("namespace {nsid}: no metadata-free LBA format of {sector_size} bytes")]
    NoMatchingFormat {
        /// The namespace.
        nsid: u32,
        /// Its medium's sector size.
        sector_size: u32,
    },
    /// The controller has no namespace to back.
    #[error("at least one namespace is needed")]
    NoNamespace,
}
