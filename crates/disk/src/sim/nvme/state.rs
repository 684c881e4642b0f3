//! What happened to a simulated NVMe controller: namespace formats, sanitize status, key
//! generations; and the error when a configuration and a state do not fit together.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::super::media::SimMedia;
use super::NvmeSimConfig;

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
