//! Erasure certificates: the signed record of one medium's sanitization.
//!
//! - [`payload`]: the payload, a plain serde struct tree (no device types), and its fixtures;
//!   [`validate`]: typed parsing and the cross-field rules, naming offending field paths.
//! - [`envelope`]: DSSE v1 envelope, Ed25519 over the exact payload bytes; id = blake3.
//! - [`keys`], [`trust`]: station keys and the trust file (validity periods, revocations).
//! - [`journal`], [`verify`]: per-station hash chain analysis and offline verification.
//! - [`merkle`], [`note`], [`receipt`]: RFC 6962/9162 Merkle log primitives, C2SP
//!   checkpoints, registry receipts (shared with the registry server); [`cosign`]: witness
//!   cosignatures (C2SP `cosignature/v1`); [`statement`]: the registry's signed receipt
//!   statement (received time, quality-control selection).
//! - [`logstate`]: the largest verified checkpoint and consistency checks against it.
//! - [`text`]: control characters and length limits of free-text fields.
//! - [`station_store`]: the crash-safe store on the data partition, outbox, `check_writable`.
//! - [`report`]: the donor PDF.
//!
//! The format is specified in `docs/certificate.md`.
#![forbid(unsafe_code)]

pub mod cosign;
pub mod envelope;
pub mod heartbeat;
pub mod host_hardware;
pub mod host_storage;
pub mod ids;
pub mod journal;
pub mod keygen;
pub mod keys;
pub mod logstate;
pub mod merkle;
pub mod note;
pub mod payload;
pub mod receipt;
pub mod report;
pub mod statement;
pub mod station_store;
pub mod text;
pub mod text_rule;
pub mod trust;
pub mod validate;
pub mod verify;

use time::OffsetDateTime;

/// RFC 3339 text of a time (as written in certificates, trust files and receipts).
pub fn fmt_time(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .expect("RFC 3339 formatting of a valid time")
}
