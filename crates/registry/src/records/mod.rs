//! What the registry keeps in its database, and the queries over it, one module per table or
//! concern: [`meta`], [`stations`] (station keys), [`certificates`], [`search`] (search and
//! export), [`journals`], [`statistics`], [`machines`] (machines by destination),
//! [`checkpoints`]. Everything is re-exported here: callers name `records::…`.

use time::OffsetDateTime;

pub mod certificates;
pub mod checkpoints;
pub mod journals;
pub mod machines;
pub mod meta;
pub mod search;
pub mod stations;
pub mod statistics;

pub use certificates::{
    certificate_count, certificate_params, get_certificate, Stored, Summary, INSERT_CERTIFICATE,
};
pub use checkpoints::{
    all_checkpoints, checkpoint_at, insert_checkpoint, latest_checkpoint, StoredCheckpoint,
};
pub use journals::{journal, JournalEntry, JournalView};
pub use meta::{meta_get, meta_set};
pub use search::{
    export_page, search, Filter, FilterError, Page, QueryError, DEFAULT_LIMIT, MAX_LIMIT,
};
pub(crate) use stations::bump_keys_version;
pub use stations::{
    add_station_key, key_row_problem, keys_version, list_station_keys, load_trust,
    revoke_station_key, station_key_problems, NewStationKey, StationError, StationKeyRecord,
};
pub use statistics::{workshop_stats, workshops, MonthStats, WorkshopStats};

/// Formats a time as RFC 3339 UTC text, whole seconds (nanoseconds dropped), as stored in
/// the text time columns and shown in answers.
pub fn rfc3339(t: OffsetDateTime) -> String {
    ardoise_cert::fmt_time(t.replace_nanosecond(0).unwrap_or(t))
}

/// A text that is not an RFC 3339 time (a station key's validity, a revocation time, a filter).
#[derive(Debug, thiserror::Error)]
#[error("{text:?} is not an RFC 3339 time ({source})")]
pub struct TimeParseError {
    /// The text as given.
    pub text: String,
    /// Why the `time` crate refused it.
    pub source: time::error::Parse,
}

/// Parses an RFC 3339 time, e.g. `2026-01-31T12:00:00Z`.
pub fn parse_rfc3339(s: &str) -> Result<OffsetDateTime, TimeParseError> {
    OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).map_err(|source| {
        TimeParseError {
            text: s.to_string(),
            source,
        }
    })
}

/// Formats Unix seconds (the BIGINT time columns) as RFC 3339 text; a value out of range is
/// shown as the plain number rather than failing.
pub fn unix_to_text(t: i64) -> String {
    OffsetDateTime::from_unix_timestamp(t)
        .map(rfc3339)
        .unwrap_or_else(|_| t.to_string())
}

/// Search key of an identifier: trimmed, inner whitespace collapsed, lower case.
pub fn search_key(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}
