//! Erasure certificates.
#![forbid(unsafe_code)]

pub mod envelope;
pub mod journal;
pub mod keys;
pub mod merkle;
pub mod model;
pub mod note;
pub mod receipt;
pub mod report;
pub mod store;
pub mod trust;
pub mod validate;
pub mod verify;

use time::OffsetDateTime;

/// RFC 3339 text of a time (as written in certificates, trust files and receipts).
pub fn fmt_time(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .expect("RFC 3339 formatting of a valid time")
}
