//! Erasure: the catalogue of methods, the planner that picks the strongest supported purge, the
//! executors for firmware commands and host overwrite, hidden-area handling, verification and the
//! job runner that reports progress on a channel.
//!
//! Building blocks provided here:
//! - [`pattern`]: seekable overwrite patterns (fixed byte, repeating bytes, AES-128-CTR keystream).
//! - [`overwrite`]: overwrite schemes as data ([`Scheme`]) and the O_DIRECT overwrite engine
//!   ([`overwrite::run`]) with progress, cancellation and bad-sector handling.
//! - [`verify`]: sample plans after NIST SP 800-88 Rev.1 §4.7, sampled and full read-back against
//!   an [`Expected`] state.
//! - [`fs_magic`]: the magic numbers of partition tables, filesystems and volume headers, found
//!   in a buffer (what the read-back looks for as a sign of surviving data).
//! - [`assurance`]: what a verification result allows one to state.
//!
//! Everything runs over [`ardoise_disk::block::BlockIo`], so a real disk, a loop device, a
//! regular file and the simulator's [`ardoise_disk::sim::SimBlock`] are driven by the same code.
#![forbid(unsafe_code)]

pub mod capability;
pub mod firmware;
pub mod fs_magic;
pub mod hidden;
pub mod identity;
pub mod job;
pub mod limits;
pub mod method;
pub mod outcome;
pub mod overwrite;
pub mod pattern;
pub mod pipeline;
pub mod plan;
pub mod prepare;
pub mod probe;
pub mod remedy;
pub mod request;
pub mod verify;

/// Kept at the crate root too: the front ends state the assurance of a sampled read-back.
pub use verify::assurance;

pub use assurance::Assurance;
pub use overwrite::{
    ByteRange, CancelToken, Control, OverwriteOptions, OverwriteOutcome, OverwriteReport, Pass,
    PassReport, Phase, Progress, Scheme,
};
pub use pattern::{Pattern, PatternSpec, Seed};
pub use verify::{
    Expected, Fingerprints, SampleParams, SamplePlan, Verdict, VerifyOptions, VerifyReport,
    VerifyScope,
};
