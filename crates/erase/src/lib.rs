//! Erasure: the catalogue of methods, the planner that picks the strongest supported purge, the
//! executors for firmware commands and host overwrite, hidden-area handling, verification and the
//! job runner that reports progress on a channel.
#![forbid(unsafe_code)]

pub mod capability;
pub mod method;
pub mod outcome;
pub mod plan;
